"""Flights (missions), their legs, their sources and their history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from flights.choices import Basis, FlightKind, ReviewStatus, SourceKind
from flights.geo import great_circle_km
from flights.querysets import FlightQuerySet, LegQuerySet

from .reference import Aircraft, AircraftType, Airport, Country, Operator


class Source(models.Model):
    """Who said it: a report, a FOIA release, a flight-tracking feed, a volunteer sighting."""

    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    retrieved_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "title", "url"],
                name="source_unique_kind_title_url",
                violation_error_message="This source is already recorded.",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Flight(models.Model):
    """A mission: an ordered chain of legs flown as one trip, with what is known about it.

    Route, origin, destination and totals are copied from the legs by `refresh_route()` so that
    list pages and aggregates never have to walk the legs of every flight.
    """

    # The date is indexed with the id (flight_dash_date_id, PostgreSQL) and by the composite
    # indexes below; a plain index on it would only slow imports down.
    date = models.DateField(help_text="Departure date (UTC) of the first leg.")
    # NULL, not "", when there is none: the unique constraint holds only among those that have
    # one (the same for Leg.import_key).
    external_ref = models.CharField(  # noqa: DJ001
        max_length=200,
        null=True,
        blank=True,
        help_text="Natural key from the source it was imported from, e.g. arts:3201.",
    )
    aircraft = models.ForeignKey(
        Aircraft, on_delete=models.PROTECT, null=True, blank=True, related_name="flights"
    )
    aircraft_basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.REPORTED)
    aircraft_type = models.ForeignKey(
        AircraftType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flights",
        help_text="The type flown; known even when the airframe is not (set from the aircraft).",
    )
    operator = models.ForeignKey(
        Operator, on_delete=models.PROTECT, null=True, blank=True, related_name="flights"
    )
    callsign = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=12, choices=FlightKind.choices, default=FlightKind.UNKNOWN)
    status = models.CharField(
        "review status", max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.REPORTED
    )

    # People on board: a count (reported or observed) or an estimated range, never both unknown
    # without saying so. The seat ceiling is copied from the aircraft so the database can hold
    # every estimate to it.
    pax_count = models.PositiveIntegerField("people on board", null=True, blank=True)
    pax_min = models.PositiveIntegerField("people on board, at least", null=True, blank=True)
    pax_max = models.PositiveIntegerField("people on board, at most", null=True, blank=True)
    pax_basis = models.CharField(
        "people on board: basis", max_length=12, choices=Basis.choices, blank=True
    )
    pax_method = models.CharField("people on board: method", max_length=300, blank=True)
    seat_ceiling = models.PositiveSmallIntegerField(null=True, blank=True)
    # From the ARTS missions table (docs/imports.md): reported by ICE, kept as released.
    flight_hours = models.FloatField("flight hours (reported)", null=True, blank=True)
    cost_usd = models.DecimalField(
        "total cost, USD (reported)", max_digits=12, decimal_places=2, null=True, blank=True
    )

    # Foreign keys marked db_index=False are the first column of a composite index or unique
    # constraint already; a second index would only slow every import down.
    origin = models.ForeignKey(
        Airport, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    destination = models.ForeignKey(
        Airport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    destination_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flights_to",
        db_index=False,
    )
    route = models.CharField(max_length=300, blank=True)
    leg_count = models.PositiveSmallIntegerField(default=0)
    distance_km = models.FloatField(null=True, blank=True)

    sources = models.ManyToManyField(Source, through="FlightSource", related_name="flights")
    notes = models.TextField(blank=True)
    is_synthetic = models.BooleanField(
        default=False, help_text="Generated demo data, not a real flight."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not indexed: only deleting a user looks flights up by them, and that is rare.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    objects = FlightQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["destination_country", "date"]),
            models.Index(fields=["kind", "date"]),
            models.Index(fields=["origin", "date"]),
            # Callsigns are matched exactly (sightings); no pattern index is needed.
            models.Index(fields=["callsign"], name="flight_callsign"),
        ]
        constraints = [
            # A constraint, not unique=True: no pattern index comes with it.
            models.UniqueConstraint(fields=["external_ref"], name="flight_unique_external_ref"),
            models.CheckConstraint(
                condition=models.Q(pax_min__isnull=True)
                | models.Q(pax_max__isnull=True)
                | models.Q(pax_min__lte=models.F("pax_max")),
                name="flight_pax_range_ordered",
                violation_error_message="The lower estimate is above the upper estimate.",
            ),
            models.CheckConstraint(
                condition=models.Q(seat_ceiling__isnull=True)
                | (
                    (
                        models.Q(pax_max__isnull=True)
                        | models.Q(pax_max__lte=models.F("seat_ceiling"))
                    )
                    & (
                        models.Q(pax_min__isnull=True)
                        | models.Q(pax_min__lte=models.F("seat_ceiling"))
                    )
                ),
                name="flight_pax_estimate_within_seats",
                violation_error_message="An estimate cannot exceed the aircraft's seats.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=FlightKind.values),
                name="flight_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReviewStatus.values),
                name="flight_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.route or 'flight'}".strip()

    def save(self, *args, **kwargs):
        if self.aircraft_id:
            self.aircraft_type_id = self.aircraft.aircraft_type_id or self.aircraft_type_id
        self.seat_ceiling = self.seat_capacity()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("flights:flight_detail", args=[self.pk])

    def seat_capacity(self) -> int | None:
        """The ceiling for any estimate: the airframe's seats, else its type's, else unknown."""
        if self.aircraft_id and self.aircraft.seat_capacity is not None:
            return self.aircraft.seat_capacity
        if self.aircraft_type_id:
            return self.aircraft_type.typical_seats
        return self.seat_ceiling

    def clean(self) -> None:
        super().clean()
        ceiling = self.seat_capacity()
        if ceiling is not None and self.pax_max is not None and self.pax_max > ceiling:
            raise ValidationError(
                {"pax_max": f"An estimate cannot exceed the aircraft's {ceiling} seats."}
            )

    def set_estimate(self, low: int | None, high: int | None, method: str, basis=Basis.ESTIMATED):
        """Record an estimated range, held to the seat ceiling; the count stays unknown."""
        ceiling = self.seat_capacity()
        if ceiling is not None:
            high = ceiling if high is None else min(high, ceiling)
            low = None if low is None else min(low, high)
        self.pax_count, self.pax_min, self.pax_max = None, low, high
        self.pax_basis, self.pax_method = basis, method

    def people_on_board(self) -> str:
        """What is known about the people on board, in words, with how it is known."""
        return people_in_words(
            self.pax_count, self.pax_min, self.pax_max, self.get_pax_basis_display()
        )

    def route_codes(self) -> list[str]:
        """The airports in flying order: the first departure, then every arrival."""
        return _route_codes(self.legs.all())

    def refresh_route(self, save: bool = True) -> None:
        """Copy route, origin, destination and totals from the legs (one query)."""
        legs = list(self.legs.select_related("departure_airport", "arrival_airport__country"))
        self.leg_count = len(legs)
        if not legs:
            self.route, self.origin, self.destination, self.destination_country = (
                "",
                None,
                None,
                None,
            )
            self.distance_km = None
        else:
            self.route = " → ".join(_route_codes(legs))[:300]
            self.origin = legs[0].departure_airport
            # The destination is where the people were taken: the last leg that is not the
            # aircraft flying home empty.
            outbound = [leg for leg in legs if leg.kind != FlightKind.RETURN] or legs
            self.destination = outbound[-1].arrival_airport
            self.destination_country = self.destination.country
            self.distance_km = round(sum(leg.distance_km or 0 for leg in legs), 1)
            self.date = legs[0].date
        if save:
            self.save()


def _route_codes(legs) -> list[str]:
    """The first departure, then every arrival; a departure is repeated only after a gap."""
    codes: list[str] = []
    for leg in legs:
        dep, arr = leg.departure_airport.code, leg.arrival_airport.code
        if not codes or codes[-1] != dep:
            codes.append(dep)
        codes.append(arr)
    return codes


class Leg(models.Model):
    """One takeoff and one landing within a flight."""

    flight = models.ForeignKey(
        Flight, on_delete=models.CASCADE, related_name="legs", db_index=False
    )
    sequence = models.PositiveSmallIntegerField()
    date = models.DateField(db_index=True, help_text="Departure date (UTC).")
    departure_airport = models.ForeignKey(
        Airport, on_delete=models.PROTECT, related_name="departures", db_index=False
    )
    arrival_airport = models.ForeignKey(
        Airport, on_delete=models.PROTECT, related_name="arrivals", db_index=False
    )
    departure_basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.REPORTED)
    arrival_basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.REPORTED)
    departure_time = models.DateTimeField(null=True, blank=True)
    arrival_time = models.DateTimeField(null=True, blank=True)
    distance_km = models.FloatField(null=True, blank=True, editable=False)
    kind = models.CharField(max_length=12, choices=FlightKind.choices, default=FlightKind.UNKNOWN)
    callsign = models.CharField(max_length=12, blank=True)
    passengers = models.PositiveIntegerField(null=True, blank=True)
    passengers_basis = models.CharField(max_length=12, choices=Basis.choices, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    import_key = models.CharField(  # noqa: DJ001
        max_length=200,
        null=True,
        blank=True,
        editable=False,
        help_text="Identity of the leg in imported files: aircraft, date, from, to, departure.",
    )

    objects = LegQuerySet.as_manager()

    class Meta:
        ordering = ["flight", "sequence"]
        indexes = [
            models.Index(fields=["departure_airport", "date"]),
            # flight_id included (PostgreSQL) for the airport pages' index-only scans.
            models.Index(
                fields=["arrival_airport", "date"], include=["flight"], name="leg_arrivals"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["import_key"], name="leg_unique_import_key"),
            models.UniqueConstraint(
                fields=["flight", "sequence"],
                name="leg_unique_sequence_per_flight",
                violation_error_message="This flight already has a leg with this sequence number.",
            ),
            models.CheckConstraint(
                condition=~models.Q(departure_airport=models.F("arrival_airport")),
                name="leg_departure_differs_from_arrival",
                violation_error_message="A leg cannot land where it took off.",
            ),
            models.CheckConstraint(
                condition=models.Q(departure_time__isnull=True)
                | models.Q(arrival_time__isnull=True)
                | models.Q(arrival_time__gt=models.F("departure_time")),
                name="leg_arrives_after_departure",
                violation_error_message="The arrival must be after the departure.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.departure_airport.code} → {self.arrival_airport.code} ({self.date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.departure_airport_id and self.arrival_airport_id:
            self.distance_km = self.compute_distance_km()
        if self.departure_time and not self.date:
            self.date = self.departure_time.date()
        super().save(*args, **kwargs)

    def compute_distance_km(self) -> float:
        dep, arr = self.departure_airport, self.arrival_airport
        return round(great_circle_km(dep.latitude, dep.longitude, arr.latitude, arr.longitude), 1)

    @property
    def duration_hours(self) -> float | None:
        if self.departure_time and self.arrival_time:
            return (self.arrival_time - self.departure_time).total_seconds() / 3600
        return None


class FlightSource(models.Model):
    """That a source supports a flight, with what it says about it."""

    flight = models.ForeignKey(
        Flight, on_delete=models.CASCADE, related_name="flight_sources", db_index=False
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="flight_sources")
    note = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flight", "source"], name="flightsource_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.flight_id}"


class FlightChange(models.Model):
    """One entry in a flight's history: who changed what, when, and why."""

    flight = models.ForeignKey(Flight, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    summary = models.CharField(max_length=500, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class PassengerSegment(models.Model):
    """How many people a mission carried from one pickup airport to one drop-off (ARTS).

    Counts only: ARTS rows are about single people and are never stored.
    """

    flight = models.ForeignKey(
        Flight, on_delete=models.CASCADE, related_name="segments", db_index=False
    )
    pickup = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="+")
    dropoff = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="+")
    people = models.PositiveIntegerField(default=0, help_text="Listed, struck included.")
    removals = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    juveniles = models.PositiveIntegerField(default=0)
    struck = models.PositiveIntegerField(default=0, help_text="Struck from the list: did not fly.")
    airports_basis = models.CharField(
        max_length=12,
        choices=Basis.choices,
        default=Basis.REPORTED,
        help_text="Inferred when a redacted or unusable code was found by the airport's name.",
    )

    class Meta:
        ordering = ["flight", "pickup__icao", "dropoff__icao"]
        constraints = [
            models.UniqueConstraint(
                fields=["flight", "pickup", "dropoff"], name="segment_unique_per_flight"
            ),
            models.CheckConstraint(
                condition=models.Q(struck__lte=models.F("people")),
                name="segment_struck_within_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pickup.code} → {self.dropoff.code}: {self.people}"


class CitizenshipCount(models.Model):
    """How many people of a segment held one citizenship, as the file spelled it."""

    segment = models.ForeignKey(
        PassengerSegment, on_delete=models.CASCADE, related_name="citizenships", db_index=False
    )
    # Not indexed: nothing looks counts up by country, and an ARTS year writes 300,000 of them.
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    reported_name = models.CharField(max_length=120)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "reported_name"], name="citizenship_unique_per_segment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reported_name}: {self.people}"


class TimelineEvent(models.Model):
    """A dated event drawn on charts, e.g. a country suspending or resuming cooperation."""

    date = models.DateField(db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    countries = models.ManyToManyField(Country, blank=True, related_name="events")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "title"], name="event_unique_date_title")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


def people_in_words(count: int | None, low: int | None, high: int | None, basis: str) -> str:
    """Flight.people_on_board's words from its columns and its basis label (tables take the
    label from a lookup made once per table, not per row)."""
    from django.utils.translation import gettext as _

    if count is not None:
        return f"{count} ({basis.lower() or _('reported')})"
    if low is not None or high is not None:
        label = basis.lower() or _("estimated")
        if low is None or low == 0:
            return _("at most %(n)s (%(how)s)") % {"n": high, "how": label}
        if high is None:
            return _("at least %(n)s (%(how)s)") % {"n": low, "how": label}
        return f"{low}–{high} ({label})"
    return _("not published")
