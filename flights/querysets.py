"""Read paths that read like verbs: `Flight.objects.in_period(a, b).to_country("CN")`."""

import datetime as dt

from django.db import connections, models

from flights.choices import FlightKind, ReviewStatus


class AirportQuerySet(models.QuerySet):
    def by_code(self, code: str):
        """Airports known by this ICAO, IATA or FAA LID code (case-insensitive)."""
        code = (code or "").strip().upper()
        return self.filter(models.Q(icao=code) | models.Q(iata=code) | models.Q(lid=code))

    def resolve(self, code: str):
        """The one airport a code means, or None.

        Four letters are read as ICAO; three as IATA first, then FAA LID (DATA.md); anything
        else as an FAA LID, which may mix letters and digits.
        """
        code = (code or "").strip().upper()
        if not code:
            return None
        if len(code) == 4:
            found = self.filter(icao=code).first()
            if found:
                return found
        if len(code) == 3:
            found = self.filter(iata=code).order_by("id").first()
            if found:
                return found
        return self.filter(lid=code).order_by("id").first()


class OperatorQuerySet(models.QuerySet):
    def matching(self, name: str):
        """Operators whose name equals this one, ignoring case and surrounding spaces."""
        return self.filter(name__iexact=" ".join((name or "").split()))


class FlightQuerySet(models.QuerySet):
    def real(self):
        """Flights that happened: generated demo (synthetic) flights left out."""
        return self.filter(is_synthetic=False)

    def in_period(self, start: dt.date | None = None, end: dt.date | None = None):
        qs = self
        if start:
            qs = qs.filter(date__gte=start)
        if end:
            qs = qs.filter(date__lte=end)
        return qs

    def to_country(self, code: str):
        return self.filter(destination_country_id=code.upper())

    def from_airport(self, airport):
        return self.filter(origin=airport)

    def of_kind(self, *kinds: str):
        return self.filter(kind__in=kinds)

    def removals(self):
        return self.of_kind(FlightKind.REMOVAL, FlightKind.LATERAL)

    def with_status(self, *statuses: str):
        return self.filter(status__in=statuses)

    def not_retracted(self):
        return self.exclude(status=ReviewStatus.RETRACTED)

    def touching_airport(self, airport):
        """Flights with a leg that departs from or lands at the airport."""
        from flights.models import Leg

        leg_flights = Leg.objects.filter(
            models.Q(departure_airport=airport) | models.Q(arrival_airport=airport)
        ).values("flight_id")
        return self.filter(pk__in=leg_flights)

    def with_route(self):
        """Everything a list row shows, in one query (route is stored on the flight)."""
        return self.select_related(
            "aircraft__aircraft_type",
            "aircraft_type",
            "operator",
            "destination_country",
            "origin",
            "destination",
        )

    # The columns a flight table row reads (flights.flight_table), and its three related rows.
    TABLE_FIELDS = (
        "id",
        "date",
        "route",
        "is_synthetic",
        "leg_count",
        "distance_km",
        "pax_count",
        "pax_min",
        "pax_max",
        "pax_basis",
        "kind",
        "status",
        "aircraft__registration",
        "aircraft_type__name",
        "destination_country__name",
    )

    def for_table(self):
        """What a flight table row shows (flights.flight_table) and nothing more: its columns,
        the aircraft's registration, the type's and destination country's names, in three
        left joins. Whole rows and related rows fetched by id took 8-12 ms for a 20-row table
        at 1,000,000 flights, these 4-7 ms; joined to the eight tables of with_route(),
        planning alone took 15-47 ms (docs/benchmarks.md, "Analyst pages"). A field left out
        here would be a query per row: tests/test_flight_table.py counts them."""
        return self.select_related("aircraft", "aircraft_type", "destination_country").only(
            *self.TABLE_FIELDS
        )

    def for_detail(self):
        """One flight's page: the whole row, its aircraft, type and destination by id (one
        small query each; the eight-table join's planning was most of this page's SQL)."""
        return self.prefetch_related("aircraft", "aircraft_type", "destination_country")

    def with_legs(self):
        from flights.models import Leg

        return self.prefetch_related(
            models.Prefetch(
                "legs",
                queryset=Leg.objects.select_related(
                    "departure_airport__country", "arrival_airport__country"
                ).order_by("sequence"),
            )
        )

    def recent(self, limit: int = 20):
        return self.with_route().order_by("-date", "-id")[:limit]

    def last_real_change(self) -> dt.datetime | None:
        """When a real (not synthetic) flight last changed, None if there is none: the footer
        of every page. On PostgreSQL a plain query (the partial index flight_real_updated
        answers it from its last entry): the ORM's aggregate() spent 0.4 ms building what
        PostgreSQL answers in 0.02 (docs/benchmarks.md, "Analyst pages, cold: fifth session")."""
        connection = connections[self.db]
        if connection.vendor != "postgresql":
            return self.filter(is_synthetic=False).aggregate(at=models.Max("updated_at"))["at"]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT max("updated_at") FROM {table} WHERE NOT "is_synthetic"')  # noqa: S608
            return cursor.fetchone()[0]


class LegQuerySet(models.QuerySet):
    def in_period(self, start: dt.date | None = None, end: dt.date | None = None):
        qs = self
        if start:
            qs = qs.filter(date__gte=start)
        if end:
            qs = qs.filter(date__lte=end)
        return qs

    def of_flights(self, flights):
        return self.filter(flight__in=flights)

    def touching(self, airport):
        return self.filter(models.Q(departure_airport=airport) | models.Q(arrival_airport=airport))
