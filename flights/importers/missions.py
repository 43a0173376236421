"""The ARTS missions table: one row per mission (DATA.md §2, docs/imports.md "ARTS missions").

A mission is a flight: start → stops → end as legs, tail number as aircraft, vendor as
operator, manifested and struck people as reported counts, flight hours and cost kept on the
flight. Its flight is the one ARTS passenger records of the same MissionID make (external ref
`arts:<MissionID>`), whichever file arrives first: this importer writes the route, aircraft,
operator, hours and cost, and the people only while no passenger records are stored (theirs
are the finer count, see ArtsImporter.write).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from flights.choices import Basis, FlightKind
from flights.models import Flight, FlightChange, PassengerSegment

from .base import clip
from .bulk import rows_matching, update_rows
from .columns import CellError, is_redacted, read_date, read_whole
from .flightlog import FlightlogImporter, LegRow

STOPS = ("MsnStpOne", "MsnStpTwo", "MsnStpThree", "MsnStpFour", "MsnStpFive", "MsnStpSix",
         "MsnStpSeven", "MsnStpEight")  # fmt: skip
ROUTE = ("MsnStart", *STOPS, "MsnEnd")
COLUMNS: dict[str, tuple[str, ...]] = {
    name: ()
    for name in (
        "MissionID", "MissionNumber", "MsnTailNumber", "MissionDate", *ROUTE, "msnVendor",
        "MissionPassengers", "ManifestedPassengers", "StruckPassengers", "msnFlightHoursActual",
        "MissionTotalCost", "msnDelayReason", "msnCancelReason", "msnCharterDesignation",
    )
}  # fmt: skip
FLIGHT_REF = "arts:"


def _number(value: str) -> str:
    """A mission number as released (`190053.0` in republished tables is 190053)."""
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


class MissionRow:
    __slots__ = ("line", "mid", "pax", "hours", "cost", "notes", "date", "number")


class ArtsMissionsImporter(FlightlogImporter):
    format = "arts_missions"
    columns = COLUMNS
    required = ("MissionID", "MissionDate", "MsnStart", "MsnEnd")

    def reset(self) -> None:
        super().reset()
        self.missions: dict[str, MissionRow] = {}

    def start(self, index: dict[str, int]) -> None:
        self.index = index
        self._pos = index

    def _cell(self, cells: list[str], name: str) -> str:
        pos = self._pos.get(name)
        return cells[pos].strip() if pos is not None and pos < len(cells) else ""

    def row(self, line: int, cells: list[str]) -> None:
        get = self._cell
        errors = []
        mid = _number(get(cells, "MissionID"))
        if not mid:
            errors.append(("MissionID", "", "missing mission id"))
        day = None
        raw_date = get(cells, "MissionDate")
        try:
            day = read_date(raw_date, excel=True) if raw_date else None
            if day is None:
                errors.append(("MissionDate", "", "missing date"))
        except CellError as exc:
            errors.append(("MissionDate", raw_date, str(exc)))
        counts = {}
        for col in ("MissionPassengers", "ManifestedPassengers", "StruckPassengers"):
            raw = get(cells, col)
            if raw and not is_redacted(raw):
                try:
                    counts[col] = read_whole(raw)
                except CellError as exc:
                    errors.append((col, raw, str(exc)))
        codes, redacted, unknown = [], 0, []
        for col in ROUTE:
            raw = get(cells, col)
            if not raw:
                continue
            if is_redacted(raw):
                redacted += 1
                continue
            pk = self.airports.resolve(raw)
            if pk is None:
                unknown.append(raw)
                continue
            if not codes or codes[-1] != pk:
                codes.append(pk)
        if errors:
            self.report.reject(line, errors)
            return
        if mid in self.missions:
            self.report.duplicates += 1
            return
        mission = MissionRow()
        mission.line, mission.mid, mission.date = line, mid, day
        mission.number = _number(get(cells, "MissionNumber"))[:12]
        manifested = counts.get("ManifestedPassengers")
        struck = counts.get("StruckPassengers", 0)
        if manifested is not None:
            mission.pax = max(manifested - struck, 0)
        else:
            mission.pax = counts.get("MissionPassengers")
        mission.hours = _float(get(cells, "msnFlightHoursActual"))
        mission.cost = _money(get(cells, "MissionTotalCost"))
        notes = []
        if redacted:
            notes.append(
                f"ARTS missions: {redacted} airport(s) of the route redacted; "
                + ("the route is unknown" if len(codes) < 2 else "the route is partial")
            )
        if unknown:
            notes.append(f"ARTS missions: unknown airport codes {', '.join(unknown)} left out")
            self.report.warn(
                f"line {line}: unknown airport codes left out of the route: "
                f"{clip(', '.join(unknown), 80)}"
            )
        for col in ("msnDelayReason", "msnCancelReason", "msnCharterDesignation"):
            value = get(cells, col)
            if value and not is_redacted(value):
                notes.append(f"{col}: {value}")
        mission.notes = "; ".join(notes)
        self.missions[mid] = mission
        tail = get(cells, "MsnTailNumber").upper().replace(" ", "")
        tail = "" if is_redacted(tail) or len(tail) > 10 else tail
        vendor = get(cells, "msnVendor")
        vendor = "" if is_redacted(vendor) else " ".join(vendor.split())[:120]
        for pos, (dep, arr) in enumerate(zip(codes, codes[1:], strict=False)):
            self._add_leg(mission, pos, dep, arr, tail, vendor)
        self.report.accepted += 1

    def _add_leg(self, mission: MissionRow, pos: int, dep: int, arr: int, tail, vendor) -> None:
        leg = LegRow()
        leg.line, leg.date, leg.dep, leg.arr = mission.line, mission.date, dep, arr
        leg.dep_time = leg.arr_time = None
        leg.tail, leg.icao24, leg.callsign = tail, "", mission.number
        leg.operator, leg.ac_type, leg.kind = vendor, "", FlightKind.UNKNOWN
        leg.mission = FLIGHT_REF + mission.mid
        leg.pax, leg.basis = None, ""
        leg.source_url, leg.notes = "", ""
        leg.aircraft_key = ("reg:" + tail) if tail else "mission:" + leg.mission
        body = f"{leg.mission}|{pos}|{dep}|{arr}"
        leg.key = "m:" + hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()
        leg.order = len(self.legs)
        self.legs[leg.key] = leg

    def groups(self):
        """A mission's legs are its flight, under the ref passenger records use too."""
        by_mission: dict[str, list[LegRow]] = {}
        for leg in sorted(self.legs.values(), key=lambda leg: leg.order):
            by_mission.setdefault(leg.mission, []).append(leg)
        return list(by_mission.items())

    def write(self) -> dict[str, dict[str, int]]:
        counts = super().write()
        self._write_missions(counts)
        return counts

    def _write_missions(self, counts) -> None:
        """Flights of missions without a known route, and every mission's people, hours,
        cost and notes."""
        refs = {FLIGHT_REF + mid: m for mid, m in self.missions.items()}
        stored = dict(rows_matching(Flight, "external_ref", list(refs), ["external_ref", "id"]))
        now = timezone.now()
        actor = self.run.started_by_id
        new = []
        for ref, mission in refs.items():
            if ref not in stored:
                new.append(
                    Flight(
                        external_ref=ref, date=mission.date, callsign=mission.number,
                        status="reported", created_by_id=actor, updated_by_id=actor,
                    )
                )  # fmt: skip
        for flight in Flight.objects.bulk_create(new):
            stored[flight.external_ref] = flight.pk
        counts["flights"]["created"] += len(new)
        with_passengers = set(
            rows_matching(PassengerSegment, "flight_id", sorted(stored.values()), ["flight_id"])
        )
        with_passengers = {row[0] if isinstance(row, tuple) else row for row in with_passengers}
        updates, people = [], []
        for ref, mission in refs.items():
            pk = stored[ref]
            updates.append((pk, mission.hours, mission.cost, mission.notes, now))
            if pk not in with_passengers:
                known = mission.pax is not None
                people.append(
                    (pk, mission.pax, Basis.REPORTED if known else "",
                     "ARTS missions: manifested less struck" if known else "")
                )  # fmt: skip
        update_rows(Flight, ["flight_hours", "cost_usd", "notes", "updated_at"], updates)
        update_rows(Flight, ["pax_count", "pax_basis", "pax_method"], people)
        new_ids = {flight.pk for flight in new}
        FlightChange.objects.bulk_create(
            FlightChange(
                flight_id=stored[FLIGHT_REF + f.mid],
                action="imported",
                summary=f"Mission values from ARTS missions import #{self.run.pk}",
                changes={"import_run": self.run.pk},
            )
            for f in self.missions.values()
            if stored[FLIGHT_REF + f.mid] in new_ids
        )


def _float(value: str) -> float | None:
    if not value or is_redacted(value):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < 10_000 else None


def _money(value: str) -> Decimal | None:
    if not value or is_redacted(value):
        return None
    try:
        amount = Decimal(value.replace("$", "").replace(",", ""))
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if 0 <= amount < Decimal("1e10") else None
