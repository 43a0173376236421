"""The flight-log CSV writer: the canonical export, one row per leg (DATA.md section 1).

A file written here reads back through `flights.importers` without a rejected row and, into
the same database, without changing anything: airports are written as ICAO codes (a 3-letter
code can mean two airports), times as ISO 8601 in UTC, and legs of an imported mission carry
their mission id so they group into the same flight again.
"""

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from django.db.models import QuerySet

from flights.spreadsheet import safe_cell

# Excel reads UTF-8 only with a byte-order mark; the flight-log reader accepts one.
BOM = "\ufeff"

FLIGHTLOG_COLUMNS: list[str] = [
    "date",
    "departure_time",
    "arrival_time",
    "from",
    "to",
    "tail_number",
    "icao24",
    "callsign",
    "operator",
    "aircraft_type",
    "kind",
    "mission_id",
    "passengers",
    "passengers_method",
    "source_url",
    "notes",
]

# Flights grouped by mission id carry this prefix in Flight.external_ref (see importers).
MISSION_REF_PREFIX = "flightlog:"
CHAIN_REF_PREFIX = "flightlog-chain:"


def _iso(value) -> str:
    if not value:
        return ""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ" if value.second else "%Y-%m-%dT%H:%MZ")


def mission_id_of(flight) -> str:
    """The mission id to write for a flight's legs, so re-importing groups them the same way."""
    ref = flight.external_ref or ""
    if ref.startswith(MISSION_REF_PREFIX):
        return ref[len(MISSION_REF_PREFIX) :]
    if ref.startswith(CHAIN_REF_PREFIX):
        return ""  # regrouped by the chaining rule, as when it was first imported
    return ref or f"tracker-{flight.pk}"


def flightlog_row(leg) -> dict[str, str]:
    """One leg as a flight-log row (all values strings)."""
    flight = leg.flight
    aircraft = flight.aircraft
    return {
        "date": leg.date.isoformat(),
        "departure_time": _iso(leg.departure_time),
        "arrival_time": _iso(leg.arrival_time),
        "from": leg.departure_airport.icao,
        "to": leg.arrival_airport.icao,
        "tail_number": aircraft.registration if aircraft else "",
        "icao24": (aircraft.icao24 or "") if aircraft else "",
        "callsign": leg.callsign or flight.callsign,
        "operator": flight.operator.name if flight.operator_id else "",
        "aircraft_type": (
            aircraft.aircraft_type.designator
            if aircraft and aircraft.aircraft_type_id
            else (flight.aircraft_type.designator if flight.aircraft_type_id else "")
        ),
        "kind": leg.kind,
        "mission_id": mission_id_of(flight),
        "passengers": "" if leg.passengers is None else str(leg.passengers),
        "passengers_method": leg.passengers_basis or "",
        "source_url": leg.source_url,
        "notes": leg.notes,
    }


def write_flightlog(legs: QuerySet, out: TextIO, chunk_size: int = 2000) -> int:
    """Stream legs to `out` as a flight-log CSV with a header; return the rows written."""
    qs = legs.select_related(
        "flight__aircraft__aircraft_type",
        "flight__aircraft_type",
        "flight__operator",
        "departure_airport",
        "arrival_airport",
    )
    if not qs.query.order_by:
        qs = qs.order_by("flight__date", "flight_id", "sequence")
    writer = csv.DictWriter(out, fieldnames=FLIGHTLOG_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for leg in qs.iterator(chunk_size=chunk_size):
        writer.writerow(flightlog_row(leg))
        count += 1
    return count


class _Echo:
    """A file-like whose write() hands the line back, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable], bom: bool = True) -> Iterator[str]:
    """The one CSV writer of every download: CRLF, minimal quoting, formula cells neutralised.

    Exports, the staff rejected-rows file and reports all stream through here, so the formula
    rule (flights.spreadsheet.safe_cell) cannot be forgotten by one of them. None is empty.
    """
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield (BOM if bom else "") + writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if value is None else safe_cell(value) for value in row])
