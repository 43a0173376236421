"""Reference data: countries, airports, operators, aircraft types and aircraft."""

from django.db import models
from django.db.models.functions import Lower

from flights.choices import OperatorKind
from flights.querysets import AirportQuerySet, OperatorQuerySet


class Country(models.Model):
    """A country by its ISO 3166-1 alpha-2 code, named as pycountry names it."""

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=100)
    alpha3 = models.CharField(max_length=3, blank=True)

    class Meta:
        verbose_name_plural = "countries"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Airport(models.Model):
    """An airport from the airportsdata package; found by its ICAO, IATA or FAA LID code."""

    icao = models.CharField("ICAO", max_length=4, unique=True)
    iata = models.CharField("IATA", max_length=3, blank=True, db_index=True)
    lid = models.CharField("FAA LID", max_length=8, blank=True, db_index=True)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="airports")
    latitude = models.FloatField()
    longitude = models.FloatField()
    tz = models.CharField("time zone", max_length=64, blank=True)
    # ADS-B leg detection (docs/adsb.md) measures height above the airport with it.
    elevation_ft = models.FloatField("elevation (ft)", null=True, blank=True)

    objects = AirportQuerySet.as_manager()

    class Meta:
        ordering = ["icao"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="airport_coordinates_valid",
                violation_error_message="Latitude must be within ±90 and longitude within ±180.",
            )
        ]

    def __str__(self) -> str:
        codes = self.code if self.code == self.icao else f"{self.code}/{self.icao}"
        return f"{codes} {self.name}"

    @property
    def code(self) -> str:
        """The short code people use: the FAA LID for US airports, else IATA, else ICAO; but
        the ICAO code when the short one is read as another airport (Airport.objects.resolve:
        `IWA` is Ivanovo's IATA code before it is Mesa Gateway's LID, so Mesa shows as KIWA).
        Whatever a page or a route prints therefore opens and filters the same airport."""
        short = self.lid or self.iata or self.icao
        if self.pk is not None and self.pk in short_code_clashes():
            return self.icao
        return short


_clashes: frozenset[int] | None = None


_clashing_icaos: frozenset[str] | None = None


def short_code_clashes() -> frozenset[int]:
    """Ids of airports whose short code resolve() reads as another airport (one query, then
    kept until an airport changes)."""
    global _clashes
    if _clashes is None:
        _clashes = frozenset(find_clashes(Airport.objects.values_list("id", "icao", "iata", "lid")))
    return _clashes


def clashing_icaos() -> frozenset[str]:
    """The ICAO codes of those airports, for labels built from values() rows (aggregates)."""
    global _clashing_icaos
    if _clashing_icaos is None:
        ids = short_code_clashes()
        _clashing_icaos = frozenset(
            Airport.objects.filter(pk__in=ids).values_list("icao", flat=True)
        )
    return _clashing_icaos


def short_code(icao: str, iata: str, lid: str) -> str:
    """Airport.code from its three codes: the ICAO code where the short one means another."""
    if icao in clashing_icaos():
        return icao
    return lid or iata or icao


def find_clashes(rows) -> set[int]:
    """The clashing ids among (id, icao, iata, lid) rows, by the rule of resolve()."""
    rows = sorted(rows)
    icao, iata, lid = {}, {}, {}
    for pk, a, b, c in rows:
        icao[a] = pk
        if b:
            iata.setdefault(b, pk)  # the lowest id wins a shared code, as in resolve()
        if c:
            lid.setdefault(c, pk)

    def resolve(code: str):
        found = icao.get(code) if len(code) == 4 else None
        if found is None and len(code) == 3:
            found = iata.get(code)
        return found if found is not None else lid.get(code)

    return {pk for pk, a, b, c in rows if resolve(c or b or a) != pk}


def forget_short_code_clashes(**kwargs) -> None:
    """Recompute the clashes on next use: after any change to the airports."""
    global _clashes, _clashing_icaos
    _clashes = _clashing_icaos = None


class Operator(models.Model):
    """Who flies or sells the flight: a charter airline, a broker, an airline, a government."""

    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=20, choices=OperatorKind.choices, default=OperatorKind.UNKNOWN
    )
    icao_code = models.CharField("ICAO airline code", max_length=3, blank=True)
    notes = models.TextField(blank=True)

    objects = OperatorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="operator_name_unique_ci",
                violation_error_message="An operator with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AircraftType(models.Model):
    """An ICAO type designator with the seats it typically has on these flights."""

    designator = models.CharField("ICAO designator", max_length=4, unique=True)
    name = models.CharField(max_length=100)
    typical_seats = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["designator"]

    def __str__(self) -> str:
        return f"{self.designator} {self.name}"


class Aircraft(models.Model):
    """One airframe, identified by its registration (tail number)."""

    registration = models.CharField(max_length=10, unique=True)
    # NULL, not "", for unknown: the unique constraint must ignore aircraft without an address.
    icao24 = models.CharField("ICAO 24-bit address", max_length=6, null=True, blank=True)  # noqa: DJ001
    aircraft_type = models.ForeignKey(
        AircraftType, on_delete=models.PROTECT, null=True, blank=True, related_name="aircraft"
    )
    operator = models.ForeignKey(
        Operator, on_delete=models.SET_NULL, null=True, blank=True, related_name="aircraft"
    )
    seats = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Seats of this airframe; overrides the type's typical seats.",
    )
    hidden_from_tracking = models.BooleanField(
        default=False, help_text="The owner has it blocked from public flight-tracking sites."
    )
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "aircraft"
        ordering = ["registration"]
        constraints = [
            models.UniqueConstraint(
                fields=["icao24"],
                condition=models.Q(icao24__isnull=False),
                name="aircraft_icao24_unique_when_known",
                violation_error_message="Another aircraft already has this ICAO 24-bit address.",
            ),
            models.CheckConstraint(
                condition=models.Q(registration=models.functions.Upper("registration")),
                name="aircraft_registration_upper",
                violation_error_message="Registrations are stored in capitals.",
            ),
        ]

    def __str__(self) -> str:
        return self.registration

    def save(self, *args, **kwargs):
        self.registration = self.registration.strip().upper()
        self.icao24 = (self.icao24 or "").strip().lower() or None
        super().save(*args, **kwargs)

    @property
    def seat_capacity(self) -> int | None:
        """This airframe's seats, else its type's typical seats, else unknown."""
        if self.seats is not None:
            return self.seats
        return self.aircraft_type.typical_seats if self.aircraft_type_id else None


models.signals.post_save.connect(forget_short_code_clashes, sender=Airport)
models.signals.post_delete.connect(forget_short_code_clashes, sender=Airport)
