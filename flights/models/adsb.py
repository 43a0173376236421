"""ADS-B watching: the watch list, trace files read, legs detected in them, and the candidate
flights moderators confirm or dismiss (docs/adsb.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flights.choices import FlightKind

from .missions import Flight, Leg, Source
from .reference import Aircraft, Airport


class Confidence(models.TextChoices):
    """How directly the takeoff and the landing were seen (docs/adsb.md)."""

    HIGH = "high", _("High: takeoff and landing seen")
    MEDIUM = "medium", _("Medium: one end seen, the other from low approach or climb")
    LOW = "low", _("Low: an end inferred across a gap or unknown")


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    CONFIRMED = "confirmed", _("Confirmed into a flight")
    DISMISSED = "dismissed", _("Dismissed")


class WatchedAircraft(models.Model):
    """An aircraft the tracker watches, by registration; its ICAO addresses are kept apart
    (WatchedAddress) because privacy programmes hand out temporary ones."""

    registration = models.CharField(max_length=10, unique=True)
    aircraft = models.OneToOneField(
        Aircraft, on_delete=models.SET_NULL, null=True, blank=True, related_name="watch"
    )
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=300, help_text=_("Where the reason comes from."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "watched aircraft"
        ordering = ["registration"]

    def __str__(self) -> str:
        return self.registration

    def save(self, *args, **kwargs):
        self.registration = self.registration.strip().upper()
        super().save(*args, **kwargs)


class WatchedAddress(models.Model):
    """One ICAO 24-bit address a watched aircraft used, and since/until when. An address is held
    by one aircraft at a time: a second claim is refused, never merged."""

    watched = models.ForeignKey(WatchedAircraft, on_delete=models.CASCADE, related_name="addresses")
    icao24 = models.CharField("ICAO 24-bit address", max_length=6)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text=_("Empty: still in use."))
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "watched addresses"
        ordering = ["icao24", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["icao24"],
                condition=models.Q(valid_until__isnull=True),
                name="watchedaddress_one_current_holder",
                violation_error_message="Another watched aircraft holds this address now.",
            ),
            models.CheckConstraint(
                condition=models.Q(icao24__regex=r"^[0-9a-f]{6}$"),
                name="watchedaddress_icao24_hex",
                violation_error_message="An ICAO address is six lower-case hex digits.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.icao24} ({self.watched})"


class CallsignPattern(models.Model):
    """A callsign prefix to watch, written with a trailing `*` (GXA*, TYSON*)."""

    pattern = models.CharField(max_length=12, unique=True)
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pattern"]

    def __str__(self) -> str:
        return self.pattern

    def save(self, *args, **kwargs):
        self.pattern = self.pattern.strip().upper()
        super().save(*args, **kwargs)

    def matches(self, callsign: str) -> bool:
        prefix = self.pattern.rstrip("*")
        callsign = (callsign or "").strip().upper()
        return callsign.startswith(prefix) if self.pattern.endswith("*") else callsign == prefix


class TraceFile(models.Model):
    """One file of positions read (provenance): its name, feed URL, licence and digest. The
    digest makes re-reading the same file a no-op."""

    name = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)
    licence = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    points = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-read_at"]

    def __str__(self) -> str:
        return self.name


class LegCandidate(models.Model):
    """Legs of one aircraft that chain into one flight, offered to moderators."""

    status = models.CharField(
        max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    kind = models.CharField(max_length=12, choices=FlightKind.choices, default=FlightKind.UNKNOWN)
    # Always inferred from the airports until a moderator sets it.
    kind_inferred = models.BooleanField(default=True)
    flight = models.ForeignKey(
        Flight, on_delete=models.SET_NULL, null=True, blank=True, related_name="adsb_candidates"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"ADS-B candidate #{self.pk}"


class DetectedLeg(models.Model):
    """A leg found in ADS-B positions, with its thinned track.

    It belongs to a candidate (offered for review) or is attached to an existing leg as its
    ADS-B source. It is kept after a dismissal so the same leg is not offered again.
    """

    icao24 = models.CharField(max_length=6)
    registration = models.CharField(max_length=10, blank=True)
    callsign = models.CharField(max_length=12, blank=True)
    watched = models.ForeignKey(
        WatchedAircraft, on_delete=models.SET_NULL, null=True, blank=True, related_name="legs"
    )
    departure_airport = models.ForeignKey(
        Airport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrival_airport = models.ForeignKey(
        Airport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    departure_time = models.DateTimeField(null=True, blank=True)
    arrival_time = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    confidence = models.CharField(max_length=8, choices=Confidence.choices)
    # How each end was found: seen, low, gap or none (docs/adsb.md).
    departure_evidence = models.CharField(max_length=8, blank=True)
    arrival_evidence = models.CharField(max_length=8, blank=True)
    # When a later file's positions continued this leg (a flight across midnight UTC read a
    # day at a time): the first of them, so reading that file again adds nothing.
    continued_from = models.DateTimeField(null=True, blank=True)
    # [[unix seconds, lat, lon, altitude ft or null, 1 when a coverage gap precedes it], ...]
    track = models.JSONField(default=list)
    trace_file = models.ForeignKey(TraceFile, on_delete=models.PROTECT, related_name="legs")
    candidate = models.ForeignKey(
        LegCandidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="legs"
    )
    leg = models.ForeignKey(
        Leg, on_delete=models.SET_NULL, null=True, blank=True, related_name="adsb_legs"
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["icao24", "first_seen"]
        indexes = [models.Index(fields=["icao24", "first_seen"])]
        constraints = [
            models.UniqueConstraint(
                fields=["icao24", "first_seen"], name="detectedleg_unique_first_seen"
            )
        ]

    def __str__(self) -> str:
        dep = self.departure_airport.code if self.departure_airport_id else "?"
        arr = self.arrival_airport.code if self.arrival_airport_id else "?"
        return f"{self.registration or self.icao24} {dep} → {arr} {self.first_seen:%Y-%m-%d %H:%M}"
