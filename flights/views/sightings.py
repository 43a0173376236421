"""Volunteers report sightings; moderators turn them into flight records."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from flights import services
from flights.adsb.review import pending_candidates
from flights.forms import (
    AttachForm,
    CreateFlightForm,
    DuplicateForm,
    RejectForm,
    SightingForm,
)
from flights.images import save_photo
from flights.models import Airport, Sighting, SightingPhoto, SightingStatus
from flights.permissions import is_moderator, moderator_required, volunteer_required

QUEUE_PAGE_SIZE = 25


@volunteer_required
@require_http_methods(["GET", "HEAD", "POST"])
def sighting_add(request):
    photos_lost = False
    if request.method == "POST":
        form = SightingForm(request.POST, request.FILES)
        if form.is_valid():
            with transaction.atomic():
                sighting = form.save(reporter=request.user)
                for photo in form.cleaned_data.get("photos") or []:
                    save_photo(photo.content, sighting)
            messages.success(
                request,
                f"Thank you. Sighting #{sighting.pk} is pending review by a moderator.",
            )
            return redirect("flights:sighting_list")
        # Browsers never refill a file input: say so rather than let photos vanish silently.
        photos_lost = bool(request.FILES.getlist("photos"))
    else:
        form = SightingForm()
    return render(
        request,
        "flights/sightings/form.html",
        {"form": form, "photos_lost": photos_lost},
    )


@volunteer_required
@require_safe
def sighting_list(request):
    sightings = (
        Sighting.objects.reported_by(request.user)
        .select_related("airport", "flight")
        .annotate(photo_count=models.Count("photos"))
        .order_by("-created_at", "-id")
    )
    page = Paginator(sightings, 50).get_page(request.GET.get("page"))
    return render(request, "flights/sightings/list.html", {"page": page})


def _visible_sighting(request, pk: int) -> Sighting:
    """The sighting if the user reported it or moderates; else 404, so ids reveal nothing."""
    sighting = get_object_or_404(
        Sighting.objects.select_related("airport", "flight", "leg", "aircraft_type"), pk=pk
    )
    if sighting.reporter_id != request.user.pk and not is_moderator(request.user):
        raise Http404("No such sighting.")
    return sighting


@volunteer_required
@require_safe
def sighting_detail(request, pk: int):
    sighting = _visible_sighting(request, pk)
    return render(
        request,
        "flights/sightings/detail.html",
        {
            "sighting": sighting,
            "photos": list(sighting.photos.all()),
            "can_moderate": is_moderator(request.user),
        },
    )


@require_safe
def sighting_photo(request, pk: int):
    """A photo: moderators only until its sighting is approved, then anyone."""
    photo = get_object_or_404(SightingPhoto.objects.select_related("sighting"), pk=pk)
    approved = photo.sighting.status == SightingStatus.APPROVED
    if not approved:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            raise PermissionDenied("Photos are shown to moderators until the sighting is approved.")
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=3600" if approved else "private, no-store"
    response["Content-Disposition"] = f'inline; filename="sighting-photo-{photo.pk}"'
    return response


@volunteer_required
@require_safe
def airport_search(request):
    """Up to 10 airports whose code starts with, or whose name or city contains, the query."""
    query = " ".join(request.GET.get("q", "").split())[:60]
    if len(query) < 2:
        return JsonResponse({"results": []})
    upper = query.upper()
    airports = (
        Airport.objects.filter(
            models.Q(icao__startswith=upper)
            | models.Q(iata__startswith=upper)
            | models.Q(lid__startswith=upper)
            | models.Q(name__icontains=query)
            | models.Q(city__icontains=query)
        )
        .annotate(
            exact=models.Case(
                models.When(
                    models.Q(icao=upper) | models.Q(iata=upper) | models.Q(lid=upper), then=0
                ),
                default=1,
            )
        )
        .select_related("country")
        .order_by("exact", "name")[:10]
    )
    return JsonResponse(
        {
            "results": [
                {
                    "code": airport.code,
                    "icao": airport.icao,
                    "label": f"{airport.code} — {airport.name}"
                    + (f", {airport.city}" if airport.city else "")
                    + f" ({airport.country_id})",
                    "tz": airport.tz,
                }
                for airport in airports
            ]
        }
    )


@moderator_required
@require_safe
def moderation_queue(request):
    pending = Sighting.objects.for_queue().annotate(photo_count=models.Count("photos"))
    page = Paginator(pending, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    sightings = list(page.object_list)
    matches = services.likely_matches(sightings)
    rows = [(sighting, matches[sighting.pk]) for sighting in sightings]
    return render(
        request,
        "flights/sightings/queue.html",
        {
            "page": page,
            "rows": rows,
            "pending_count": page.paginator.count,
            "candidates": list(pending_candidates()[:QUEUE_PAGE_SIZE]),
        },
    )


def _review_context(sighting: Sighting, **forms) -> dict:
    matches = services.likely_matches([sighting])[sighting.pk]
    first_leg = matches.legs[0] if matches.legs else None
    context = {
        "sighting": sighting,
        "matches": matches,
        "photos": list(sighting.photos.all()),
        "decisions": list(sighting.decisions.select_related("actor")),
        "attach_form": AttachForm(
            initial={"flight": first_leg.flight_id, "leg": first_leg.pk} if first_leg else None
        ),
        "create_form": CreateFlightForm(sighting=sighting),
        "duplicate_form": DuplicateForm(
            sighting=sighting,
            initial={"original": matches.sightings[0].pk} if matches.sightings else None,
        ),
        "reject_form": RejectForm(),
    }
    context.update(forms)
    return context


@moderator_required
@require_safe
def sighting_review(request, pk: int):
    sighting = get_object_or_404(
        Sighting.objects.select_related("airport", "aircraft_type", "aircraft", "flight"), pk=pk
    )
    return render(request, "flights/sightings/review.html", _review_context(sighting))


def _decide(request, pk: int, form_class, form_name: str, decide):
    sighting = get_object_or_404(Sighting.objects.select_related("airport", "aircraft"), pk=pk)
    kwargs = {"sighting": sighting} if form_class in (CreateFlightForm, DuplicateForm) else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return render(
            request,
            "flights/sightings/review.html",
            _review_context(sighting, **{form_name: form}),
            status=400,
        )
    try:
        message = decide(sighting, form.cleaned_data)
    except services.ModerationError as error:
        messages.error(request, str(error))
        return redirect("flights:sighting_review", pk=sighting.pk)
    messages.success(request, message)
    return redirect(reverse("flights:moderation_queue"))


@moderator_required
@require_POST
def sighting_attach(request, pk: int):
    def decide(sighting, data):
        flight = services.attach_sighting(
            sighting,
            data["flight_obj"],
            request.user,
            leg=data.get("leg_obj"),
            verified=data["verify"],
            reason=data["reason"],
        )
        status = flight.get_status_display().lower()
        return f"Sighting #{sighting.pk} attached to flight {flight.pk} ({status})."

    return _decide(request, pk, AttachForm, "attach_form", decide)


@moderator_required
@require_POST
def sighting_create_flight(request, pk: int):
    def decide(sighting, data):
        flight = services.create_flight_from_sighting(
            sighting,
            request.user,
            other_airport=data["other_airport"],
            verified=data["verify"],
            reason=data["reason"],
        )
        return f"Flight {flight.pk} created from sighting #{sighting.pk}."

    return _decide(request, pk, CreateFlightForm, "create_form", decide)


@moderator_required
@require_POST
def sighting_duplicate(request, pk: int):
    def decide(sighting, data):
        services.mark_duplicate(sighting, data["original"], request.user, reason=data["reason"])
        return f"Sighting #{sighting.pk} closed as a duplicate of #{data['original'].pk}."

    return _decide(request, pk, DuplicateForm, "duplicate_form", decide)


@moderator_required
@require_POST
def sighting_reject(request, pk: int):
    def decide(sighting, data):
        services.reject_sighting(sighting, request.user, data["reason"])
        return f"Sighting #{sighting.pk} rejected."

    return _decide(request, pk, RejectForm, "reject_form", decide)
