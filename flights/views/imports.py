"""Staff pages for imports: upload, watch a run progress, download its rejected rows."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from flights.exports import csv_lines
from flights.importers import ImportFailed
from flights.importers.mapping import enqueue_after_mapping, preview_mapping, save_profile
from flights.importers.uploads import ImportUploadForm, hold_upload, start_upload
from flights.models import ImportRun, ImportStatus
from flights.permissions import can_start_imports, can_view_imports
from flights.tasks import QUEUE_DOWN, queue_available


def staff_required(view):
    """Anonymous users go to the login page; others need the admin's own import permissions:
    seeing runs for every request, starting one for a POST (flights.permissions)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_imports(request.user):
            raise PermissionDenied("Imports are for staff with the import permission.")
        if request.method == "POST" and not can_start_imports(request.user):
            raise PermissionDenied("Starting an import needs the permission to add import runs.")
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_list(request):
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            with transaction.atomic():
                run = start_upload(form, request.user)
            if not queue_available():
                messages.error(request, QUEUE_DOWN.format(pk=run.pk))
            return redirect(run)
    else:
        form = ImportUploadForm()
    runs = Paginator(ImportRun.objects.select_related("started_by", "feed"), 25)
    page = runs.get_page(request.GET.get("page"))
    return render(
        request,
        "flights/imports/list.html",
        {"form": form, "page": page, "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES},
    )


@staff_required
@require_safe
def import_detail(request, pk: int):
    run = get_object_or_404(ImportRun.objects.select_related("started_by", "feed"), pk=pk)
    rejected = run.rejected_rows.all()[:100]
    return render(request, "flights/imports/detail.html", {"run": run, "rejected_rows": rejected})


@staff_required
@require_safe
def import_status(request, pk: int):
    run = get_object_or_404(ImportRun, pk=pk)
    return JsonResponse(run.status_payload())


@staff_required
@require_safe
def import_rejected_csv(request, pk: int):
    run = get_object_or_404(ImportRun, pk=pk)
    rows = (
        run.rejected_rows.order_by("line", "id")
        .values_list("line", "column", "value", "message")
        .iterator(chunk_size=2000)
    )
    lines = csv_lines(["line", "column", "value", "message"], rows, bom=False)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
    return response


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_map(request):
    """Column mapping, step 1: upload a file of another shape; it waits for its mapping."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            run = hold_upload(form, request.user)
            return redirect("flights:import_map_run", pk=run.pk)
    else:
        form = ImportUploadForm()
    return render(request, "flights/imports/map_upload.html", {"form": form})


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_map_run(request, pk: int):
    """Column mapping, step 2: each column with its guessed field, the first rows as they would
    import with their errors; saving the mapping as a profile starts the import with it."""
    run = get_object_or_404(ImportRun, pk=pk)
    if run.status != ImportStatus.QUEUED or not run.file:
        messages.error(request, _("This run is not waiting for a column mapping."))
        return redirect(run)
    posted = request.POST if request.method == "POST" else None
    try:
        preview = preview_mapping(run, posted)
    except ImportFailed as exc:
        messages.error(request, str(exc))
        return redirect(run)
    if posted is not None and "save" in posted:
        name = (posted.get("profile_name") or "").strip()[:80]
        if not name:
            messages.error(request, _("Give the mapping a name to save it."))
        else:
            save_profile(run, name, preview["mapping"], request.user)
            with transaction.atomic():
                enqueue_after_mapping(run)
            return redirect(run)
    return render(request, "flights/imports/map.html", {"run": run, **preview})
