"""Volunteer sightings, their photos, the moderators' decisions on them, and invitations."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from flights.choices import PeopleDirection, PeopleMethod, SightingEvent, SightingStatus

from .missions import Flight, Leg, Source
from .reference import Aircraft, AircraftType, Airport


class SightingQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=SightingStatus.PENDING)

    def approved(self):
        return self.filter(status=SightingStatus.APPROVED)

    def reported_by(self, user):
        return self.filter(reporter=user)

    def oldest_first(self):
        return self.order_by("created_at", "id")

    def for_queue(self):
        return self.pending().oldest_first().select_related("airport", "aircraft_type", "aircraft")


class Sighting(models.Model):
    """What a volunteer saw at an airport or on a flight-tracking page, awaiting or after review.

    The reporter is never shown publicly: public pages say "volunteer sighting".
    """

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sightings"
    )
    seen_at = models.DateTimeField("when (UTC)", db_index=True)
    airport = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="sightings")
    event = models.CharField("what was seen", max_length=12, choices=SightingEvent.choices)
    registration = models.CharField(max_length=10, blank=True, db_index=True)
    callsign = models.CharField(max_length=8, blank=True, db_index=True)
    aircraft = models.ForeignKey(
        Aircraft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sightings",
        help_text="The known airframe with this registration, when there is one.",
    )
    aircraft_type = models.ForeignKey(
        AircraftType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    operator_text = models.CharField("operator or livery", max_length=120, blank=True)
    people_direction = models.CharField(
        "people seen", max_length=12, choices=PeopleDirection.choices, blank=True
    )
    people_count = models.PositiveIntegerField("people (exact count)", null=True, blank=True)
    people_min = models.PositiveIntegerField("people, at least", null=True, blank=True)
    people_max = models.PositiveIntegerField("people, at most", null=True, blank=True)
    people_method = models.CharField(
        "how the people were counted", max_length=12, choices=PeopleMethod.choices, blank=True
    )
    vehicles = models.PositiveSmallIntegerField("vehicles counted", null=True, blank=True)
    link = models.URLField("link (flight-tracking page)", max_length=500, blank=True)
    notes = models.TextField(blank=True, max_length=4000)

    status = models.CharField(
        max_length=12,
        choices=SightingStatus.choices,
        default=SightingStatus.PENDING,
        db_index=True,
    )
    flight = models.ForeignKey(
        Flight, on_delete=models.SET_NULL, null=True, blank=True, related_name="sightings"
    )
    leg = models.ForeignKey(
        Leg, on_delete=models.SET_NULL, null=True, blank=True, related_name="sightings"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    source = models.OneToOneField(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="sighting"
    )
    reason = models.TextField("moderator's reason", blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = SightingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["airport", "seen_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(people_min__isnull=True)
                | models.Q(people_max__isnull=True)
                | models.Q(people_min__lte=models.F("people_max")),
                name="sighting_people_range_ordered",
                violation_error_message="The lower figure is above the upper figure.",
            ),
            models.CheckConstraint(
                condition=models.Q(people_count__isnull=True)
                | (models.Q(people_min__isnull=True) & models.Q(people_max__isnull=True)),
                name="sighting_people_count_or_range",
                violation_error_message="Give an exact count or a range, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SightingStatus.values),
                name="sighting_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(registration="") | ~models.Q(callsign=""),
                name="sighting_has_registration_or_callsign",
                violation_error_message="Give the registration, the callsign, or both.",
            ),
        ]

    def __str__(self) -> str:
        ident = self.registration or self.callsign
        return f"Sighting #{self.pk}: {ident} at {self.airport.code} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("flights:sighting_detail", args=[self.pk])

    @property
    def identity(self) -> str:
        """Registration and callsign as a volunteer would say them."""
        return " / ".join(part for part in (self.registration, self.callsign) if part)

    @property
    def local_seen_at(self) -> dt.datetime:
        """When, on the airport's wall clock (UTC when the airport has no time zone).

        Naive on purpose: templates convert aware datetimes to the site's zone (UTC).
        """
        from zoneinfo import ZoneInfo

        try:
            local = self.seen_at.astimezone(ZoneInfo(self.airport.tz or "UTC"))
        except OverflowError:
            local = self.seen_at  # year 1 or 9999, stored before forms kept to the window
        return local.replace(tzinfo=None)

    def people_summary(self) -> str:
        """The people figure in words with its method, e.g. "12–20 boarding (estimated ...)"."""
        if self.people_count is not None:
            figure = str(self.people_count)
        elif self.people_min is not None and self.people_max is not None:
            figure = f"{self.people_min}–{self.people_max}"
        elif self.people_min is not None:
            figure = f"at least {self.people_min}"
        elif self.people_max is not None:
            figure = f"at most {self.people_max}"
        else:
            return ""
        direction = (
            f" {self.get_people_direction_display().lower()}" if self.people_direction else ""
        )
        method = f" ({self.get_people_method_display().lower()})" if self.people_method else ""
        return f"{figure}{direction}{method}"


def photo_path(instance: "SightingPhoto", filename: str) -> str:
    # Never the uploaded name: it can carry the volunteer's name or device.
    return f"sightings/{secrets.token_hex(16)}{filename[filename.rfind('.') :]}"


class SightingPhoto(models.Model):
    """A photo re-encoded without metadata; served through a permission-checked view only."""

    sighting = models.ForeignKey(Sighting, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="Bytes, after re-encoding.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sighting", "id"]

    def __str__(self) -> str:
        return f"Photo #{self.pk} of sighting #{self.sighting_id}"


class SightingDecision(models.Model):
    """One moderation decision on a sighting: who, when, what, why, and what it changed."""

    sighting = models.ForeignKey(Sighting, on_delete=models.CASCADE, related_name="decisions")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    reason = models.TextField(blank=True)
    flight = models.ForeignKey(
        Flight, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} sighting #{self.sighting_id}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use, expiring link that lets one person create a volunteer account.

    Only the token's hash is stored: a leaked database does not hand out accounts.
    """

    email = models.EmailField(blank=True, help_text="Where the link was sent, if anywhere.")
    note = models.CharField(max_length=200, blank=True, help_text="Who this is for (admins only).")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation #{self.pk} ({self.email or self.note or 'link'})"

    @classmethod
    def issue(cls, created_by, email: str = "", note: str = "", days: int = 7):
        """Create an invitation; return it with the clear token, which is shown only once."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            email=email,
            note=note,
            token_hash=hash_token(token),
            created_by=created_by,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        return invitation, token

    @classmethod
    def find_usable(cls, token: str):
        return cls.objects.usable().filter(token_hash=hash_token(token)).first()

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


@receiver(post_delete, sender=SightingPhoto)
def delete_photo_file(sender, instance: SightingPhoto, **kwargs) -> None:
    # A deleted photo must not linger on disk: it is the volunteer's picture.
    if instance.image:
        instance.image.delete(save=False)
