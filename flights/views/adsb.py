"""Moderators review ADS-B candidates and read the watch list (docs/adsb.md)."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from flights import tasks
from flights.adsb import review
from flights.choices import FlightKind
from flights.models import Airport, CallsignPattern, LegCandidate, WatchedAircraft
from flights.permissions import moderator_required
from flights.views.imports import staff_required


def _text(request, name: str, limit: int = 300) -> str:
    """A posted value without NUL characters (PostgreSQL refuses them), at most `limit` long."""
    return request.POST.get(name, "").replace("\x00", "").strip()[:limit]


def _candidate(pk: int) -> LegCandidate:
    return get_object_or_404(LegCandidate, pk=pk)


@moderator_required
@require_safe
def candidate_review(request, pk: int):
    candidate = get_object_or_404(
        LegCandidate.objects.prefetch_related(
            "legs__departure_airport", "legs__arrival_airport", "legs__trace_file"
        ),
        pk=pk,
    )
    return render(
        request,
        "flights/adsb/candidate.html",
        {"candidate": candidate, "legs": list(candidate.legs.all()), "kinds": FlightKind.choices},
    )


def _done(request, pk: int, action):
    candidate = _candidate(pk)
    try:
        message = action(candidate)
    except review.CandidateError as error:
        messages.error(request, str(error))
        return redirect("flights:candidate_review", pk=pk)
    messages.success(request, message)
    return redirect("flights:moderation_queue")


@moderator_required
@require_POST
def candidate_confirm(request, pk: int):
    def action(candidate):
        flight = review.confirm(candidate, request.user, _text(request, "reason"))
        return _("Candidate #%(pk)s confirmed as flight %(flight)s.") % {
            "pk": candidate.pk,
            "flight": flight.pk,
        }

    return _done(request, pk, action)


@moderator_required
@require_POST
def candidate_dismiss(request, pk: int):
    def action(candidate):
        review.dismiss(candidate, request.user, _text(request, "reason"))
        return _("Candidate #%(pk)s dismissed; its legs will not be offered again.") % {
            "pk": candidate.pk
        }

    return _done(request, pk, action)


@moderator_required
@require_POST
def candidate_edit(request, pk: int):
    candidate = _candidate(pk)
    airports, unknown = {}, []
    for detected in candidate.legs.all():
        pair = []
        for end in ("from", "to"):
            code = _text(request, f"leg-{detected.pk}-{end}", 8)
            airport = Airport.objects.by_code(code).first() if code else None
            if code and airport is None:
                unknown.append(code)
            pair.append(airport)
        airports[detected.pk] = tuple(pair)
    if unknown:
        messages.error(
            request, _("Unknown airport code: %(codes)s") % {"codes": ", ".join(unknown)}
        )
        return redirect("flights:candidate_review", pk=pk)
    try:
        review.edit(candidate, _text(request, "kind", 12) or candidate.kind, airports)
    except review.CandidateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Candidate #%(pk)s updated.") % {"pk": candidate.pk})
    return redirect("flights:candidate_review", pk=pk)


@moderator_required
@require_safe
def watch_list(request):
    watched = WatchedAircraft.objects.prefetch_related("addresses").select_related("aircraft")
    return render(
        request,
        "flights/adsb/watch_list.html",
        {"watched": list(watched), "patterns": list(CallsignPattern.objects.all())},
    )


MAX_UPLOAD_BYTES = 64 * 1024 * 1024


@staff_required
@require_POST
def trace_upload(request):
    """Staff upload trace files; the worker reads them (flights.tasks.import_traces)."""
    files = request.FILES.getlist("traces")
    if not files:
        messages.error(request, _("Choose one or more trace files."))
        return redirect("flights:watch_list")
    folder = Path(settings.MEDIA_ROOT) / "adsb_uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    for n, upload in enumerate(files):
        if upload.size > MAX_UPLOAD_BYTES:
            messages.error(request, _("%(name)s is too large.") % {"name": upload.name[:100]})
            return redirect("flights:watch_list")
        with open(folder / f"{n:04d}.trace", "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    licence = _text(request, "licence", 120)
    transaction.on_commit(lambda: tasks.import_traces.delay([str(folder)], licence))
    messages.success(
        request,
        _("%(count)s file(s) queued; candidates appear in the moderation queue.")
        % {"count": len(files)},
    )
    return redirect("flights:watch_list")
