"""Rollups: flights and legs summed by the dimensions the analyst pages group and filter on.

Several small rollups, each sized for the reads of one page part (docs/operations.md,
"Rollups"): a day rollup with the period totals' measures, month rollups by origin and by
operator for the top lists and country pages, a leg rollup by month and airport pair with the
flight's kind (filtered map, airport pages), a pair rollup without dates (the unfiltered map),
a pair rollup by the leg's month alone (the unfiltered airport page) and two rollups per
aircraft and month (the aircraft page). PostgreSQL keeps them current in the writing
transaction with statement-level triggers (`flights.rollup_sql`, migrations 0007,
0009_h14p_coarse_rollups and 0012); `flights.rollups.rebuild()` recomputes them from the fact
tables (SQLite, tests, `manage.py rebuild_rollups`). Dimension columns are plain values, not
foreign keys: a rollup row never blocks a delete.
"""

from django.db import models

# Keys of every rollup, in the order of its unique constraint.
DAY_KEYS = ("date", "kind", "status", "is_synthetic", "country")
MONTH_KIND_KEYS = ("month", "kind", "status", "is_synthetic", "country")
ORIGIN_KEYS = ("kind", "status", "is_synthetic", "country", "origin")
OPERATOR_ALL_KEYS = ("kind", "status", "is_synthetic", "country", "operator")
MONTH_KEYS = ("month", "kind", "status", "is_synthetic", "country", "origin")
OPERATOR_KEYS = ("month", "kind", "status", "is_synthetic", "country", "operator")
AIRCRAFT_KEYS = ("aircraft", "month", "kind", "status", "is_synthetic", "country", "operator")
LEG_KEYS = ("month", "leg_month", "is_synthetic", "country", "kind", "departure", "arrival")
PAIR_KEYS = ("departure", "arrival", "kind", "status", "is_synthetic")
PAIR_MONTH_KEYS = ("departure", "leg_month", "arrival", "is_synthetic")
AIRCRAFT_LEG_KEYS = ("aircraft", "month", "kind", "status", "is_synthetic", "country")

# NULL country: no destination; NULL origin, operator, aircraft: not known.
COUNTRY = {"max_length": 2, "null": True}


def _key(name: str, fields: tuple[str, ...]) -> list:
    return [models.UniqueConstraint(fields=fields, name=name, nulls_distinct=False)]


class FlightDimensions(models.Model):
    """The flight's kind, review status, synthetic flag and destination country: what every
    flight rollup is keyed by besides its own dimensions (and the filters all pages share)."""

    kind = models.CharField(max_length=12)
    status = models.CharField(max_length=12)
    is_synthetic = models.BooleanField()
    country = models.CharField(**COUNTRY)  # noqa: DJ001

    class Meta:
        abstract = True


class TotalsMeasures(models.Model):
    """What the overview's period totals show, summed."""

    flights = models.BigIntegerField(default=0)
    legs = models.BigIntegerField(default=0)
    # People by how they are known (docs/dashboard.md; `aggregates.totals`): counted (reported
    # or observed) and estimated, whose central value is kept doubled so the sum stays whole.
    pax_counted = models.BigIntegerField(default=0)
    pax_counted_flights = models.BigIntegerField(default=0)
    pax_estimated_doubled = models.BigIntegerField(default=0)
    pax_estimated_flights = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class FlightDayRollup(FlightDimensions, TotalsMeasures):
    """Flights per day × kind × review status × synthetic × destination country, with what the
    overview's period totals show: the span, weekly series and the partial months of a period,
    exact to the day."""

    date = models.DateField()

    class Meta:
        db_table = "flights_rollup_day"
        constraints = _key("rollup_day_key", DAY_KEYS)

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.country}: {self.flights}"


class FlightMonthKindRollup(FlightDimensions, TotalsMeasures):
    """The day rollup by month: monthly series, whole months of a period's totals, countries
    by kind (the choropleth). About 4,000 rows at 1,000,000 flights, 3,000 at 100,000."""

    month = models.DateField()

    class Meta:
        db_table = "flights_rollup_month_kind"
        constraints = _key("rollup_month_kind_key", MONTH_KIND_KEYS)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.country}: {self.flights}"


class FlightOriginRollup(FlightDimensions):
    """Flights per kind × review status × synthetic × destination country × origin, whatever
    the date: the overview's US origins and the country pages' origins without a period."""

    origin = models.BigIntegerField(null=True)
    flights = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_origin"
        constraints = _key("rollup_origin_key", ORIGIN_KEYS)

    def __str__(self) -> str:
        return f"{self.kind} {self.country} {self.origin}: {self.flights}"


class FlightOperatorAllRollup(FlightDimensions):
    """Flights per kind × review status × synthetic × destination country × operator, whatever
    the date: the overview's operators and countries without a period."""

    operator = models.BigIntegerField(null=True)
    flights = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_operator_all"
        constraints = _key("rollup_operator_all_key", OPERATOR_ALL_KEYS)

    def __str__(self) -> str:
        return f"{self.kind} {self.country} {self.operator}: {self.flights}"


class FlightMonthRollup(FlightDimensions):
    """Flights per month × kind × review status × synthetic × destination country × origin: the
    overview's US origins, the country pages' origins, the origin filter."""

    month = models.DateField()
    origin = models.BigIntegerField(null=True)
    flights = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_month"
        constraints = _key("rollup_month_key", MONTH_KEYS)
        indexes = [models.Index(fields=["country", "month"], name="rollup_month_country")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.country}: {self.flights}"


class FlightOperatorRollup(FlightDimensions):
    """Flights per month × kind × review status × synthetic × destination country × operator:
    the overview's operators and countries, the operator filter."""

    month = models.DateField()
    operator = models.BigIntegerField(null=True)
    flights = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_operator"
        constraints = _key("rollup_operator_key", OPERATOR_KEYS)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.operator}: {self.flights}"


class AircraftRollup(FlightDimensions):
    """Flights per aircraft × month × kind × review status × synthetic × country × operator:
    the aircraft page's months and operators."""

    aircraft = models.BigIntegerField(null=True)
    month = models.DateField()
    operator = models.BigIntegerField(null=True)
    flights = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_aircraft"
        constraints = _key("rollup_aircraft_key", AIRCRAFT_KEYS)

    def __str__(self) -> str:
        return f"{self.aircraft} {self.month:%Y-%m}: {self.flights}"


class LegRollup(models.Model):
    """Legs per flight month × leg month × the flight's synthetic flag, destination country and
    kind × departure and arrival airport: the filtered route map and the airport pages."""

    month = models.DateField(help_text="Month of the flight's date (what the filters use).")
    leg_month = models.DateField(help_text="Month of the leg's own date (the airport series).")
    is_synthetic = models.BooleanField()
    country = models.CharField(**COUNTRY)  # noqa: DJ001
    kind = models.CharField(max_length=12, help_text="The flight's kind.")
    departure = models.BigIntegerField()
    arrival = models.BigIntegerField()
    legs = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_leg"
        constraints = _key("rollup_leg_key", LEG_KEYS)
        # Covering: an airport page sums a busy airport's 16,000 rows (at 1,000,000 flights)
        # from the index alone, whatever filters the rollup applies (flights.rollups.FILTERS).
        indexes = [
            models.Index(
                fields=["departure", "leg_month", "arrival"],
                include=["legs", "is_synthetic", "kind", "country"],
                name="rollup_leg_departure_cover",
            ),
            models.Index(
                fields=["arrival", "leg_month"],
                include=["legs", "is_synthetic", "kind", "country"],
                name="rollup_leg_arrival_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.departure}->{self.arrival}: {self.legs}"


class PairRollup(models.Model):
    """Legs per directed airport pair × the flight's kind, review status and synthetic flag,
    whatever the date: the unfiltered route map (a few thousand rows)."""

    departure = models.BigIntegerField()
    arrival = models.BigIntegerField()
    kind = models.CharField(max_length=12)
    status = models.CharField(max_length=12)
    is_synthetic = models.BooleanField()
    legs = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_pair"
        constraints = _key("rollup_pair_key", PAIR_KEYS)

    def __str__(self) -> str:
        return f"{self.departure}->{self.arrival} {self.kind}: {self.legs}"


class PairMonthRollup(models.Model):
    """Legs per directed airport pair × the leg's month × synthetic flag, nothing else: an
    airport page without filters. At 1,000,000 flights its busiest airport (KAEX) reads 2,065
    departure and 2,384 arrival rows here against 5,795 and 16,510 in the leg rollup, which
    also keys the flight's month, kind and country (docs/benchmarks.md, "Analyst pages,
    cold: fifth session")."""

    departure = models.BigIntegerField()
    arrival = models.BigIntegerField()
    leg_month = models.DateField()
    is_synthetic = models.BooleanField()
    legs = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_pair_month"
        # The key starts with the departure airport (its departures per month and arrival);
        # the second index answers its arrivals per month. Both from the index alone.
        constraints = [
            models.UniqueConstraint(
                fields=PAIR_MONTH_KEYS,
                include=["legs"],
                name="rollup_pair_month_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["arrival", "leg_month"],
                include=["legs", "is_synthetic"],
                name="rollup_pair_month_arrival",
            )
        ]

    def __str__(self) -> str:
        return f"{self.leg_month:%Y-%m} {self.departure}->{self.arrival}: {self.legs}"


class AircraftLegRollup(FlightDimensions):
    """Legs per aircraft × the flight's month, kind, status, synthetic flag and country, with
    distance and block time: the aircraft page's totals. Whole metres and microseconds, so
    sums added and taken away by the triggers never drift."""

    aircraft = models.BigIntegerField(null=True)
    month = models.DateField()
    legs = models.BigIntegerField(default=0)
    metres = models.BigIntegerField(default=0)
    timed_legs = models.BigIntegerField(default=0)
    timed_us = models.BigIntegerField(default=0)
    untimed_metres = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_aircraft_leg"
        constraints = _key("rollup_aircraft_leg_key", AIRCRAFT_LEG_KEYS)

    def __str__(self) -> str:
        return f"{self.aircraft} {self.month:%Y-%m}: {self.legs} legs"


# Every rollup table: derived data, left out of backups (flights.backup) and refilled by writes.
ALL = (
    FlightDayRollup,
    FlightMonthKindRollup,
    FlightOriginRollup,
    FlightOperatorAllRollup,
    FlightMonthRollup,
    FlightOperatorRollup,
    AircraftRollup,
    LegRollup,
    PairRollup,
    PairMonthRollup,
    AircraftLegRollup,
)
