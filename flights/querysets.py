"""Read paths that read like verbs: `Flight.objects.in_period(a, b).to_country("CN")`."""

import datetime as dt

from django.db import models

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

    def for_table(self):
        """What a flight table row shows (flights.flight_table): the aircraft, its type and the
        destination country come in three small queries by id, not as joins. Joined to the
        eight tables of with_route(), a 20-row page cost PostgreSQL 15-47 ms of planning for
        3 ms of execution at 1,000,000 flights (docs/benchmarks.md, "Analyst pages")."""
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
