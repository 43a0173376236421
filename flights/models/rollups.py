"""Rollups: flight and leg counts summed by the dimensions the analyst pages group and filter on.

PostgreSQL keeps them current in the writing transaction with statement-level triggers
(migration 0007_rollups_tables); `flights.rollups.rebuild()` recomputes them from the fact
tables (SQLite, tests, `manage.py rebuild_rollups`). See docs/operations.md, "Rollups".
Dimension columns are plain values, not foreign keys: a rollup row never blocks a delete.
"""

from django.db import models

# Keys of both flight rollups, in the order of their unique constraints.
MONTH_KEYS = ("month", "kind", "status", "is_synthetic", "country", "origin", "operator")
DAY_KEYS = ("date", "kind", "status", "is_synthetic", "country")
LEG_KEYS = (
    "month",
    "leg_month",
    "is_synthetic",
    "country",
    "departure",
    "arrival",
)


class FlightMeasures(models.Model):
    """The sums every flight rollup row carries (what `aggregates.totals` reports)."""

    flights = models.BigIntegerField(default=0)
    legs = models.BigIntegerField(default=0)
    pax_reported = models.BigIntegerField(default=0)
    pax_reported_flights = models.BigIntegerField(default=0)
    pax_low = models.BigIntegerField(default=0)
    pax_high = models.BigIntegerField(default=0)
    pax_unbounded = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class FlightMonthRollup(FlightMeasures):
    """Flights per month × kind × review status × synthetic × destination country × origin ×
    operator: the overview's top lists and the country pages."""

    month = models.DateField()
    kind = models.CharField(max_length=12)
    status = models.CharField(max_length=12)
    is_synthetic = models.BooleanField()
    country = models.CharField(max_length=2, null=True)  # noqa: DJ001 - NULL: no destination
    origin = models.BigIntegerField(null=True)
    operator = models.BigIntegerField(null=True)

    class Meta:
        db_table = "flights_rollup_month"
        constraints = [
            models.UniqueConstraint(
                fields=MONTH_KEYS, name="rollup_month_key", nulls_distinct=False
            )
        ]
        indexes = [models.Index(fields=["country", "month"], name="rollup_month_country")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.country}: {self.flights}"


class FlightDayRollup(FlightMeasures):
    """Flights per day × kind × review status × synthetic × destination country: the overview's
    span, series and period totals, exact to the day."""

    date = models.DateField()
    kind = models.CharField(max_length=12)
    status = models.CharField(max_length=12)
    is_synthetic = models.BooleanField()
    country = models.CharField(max_length=2, null=True)  # noqa: DJ001 - NULL: no destination

    class Meta:
        db_table = "flights_rollup_day"
        constraints = [
            models.UniqueConstraint(fields=DAY_KEYS, name="rollup_day_key", nulls_distinct=False)
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.country}: {self.flights}"


class LegRollup(models.Model):
    """Legs per flight month × leg month × the flight's synthetic flag and destination country ×
    departure and arrival airport: the route map and the airport pages. Without kind and status,
    which would triple its rows (filters on those read the legs)."""

    month = models.DateField(help_text="Month of the flight's date (what the filters use).")
    leg_month = models.DateField(help_text="Month of the leg's own date (the airport series).")
    is_synthetic = models.BooleanField()
    country = models.CharField(max_length=2, null=True)  # noqa: DJ001 - NULL: no destination
    departure = models.BigIntegerField()
    arrival = models.BigIntegerField()
    legs = models.BigIntegerField(default=0)

    class Meta:
        db_table = "flights_rollup_leg"
        constraints = [
            models.UniqueConstraint(fields=LEG_KEYS, name="rollup_leg_key", nulls_distinct=False)
        ]
        indexes = [
            models.Index(fields=["departure", "leg_month"], name="rollup_leg_departure"),
            models.Index(fields=["arrival", "leg_month"], name="rollup_leg_arrival"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.departure}->{self.arrival}: {self.legs}"
