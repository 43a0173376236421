"""Flight logs kept by advocacy groups and volunteer networks: one row per leg (DATA.md §1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections import defaultdict
from typing import NamedTuple

from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone

from flights.choices import Basis, FlightKind, SourceKind
from flights.dates import EARLIEST, window_error
from flights.exports import CHAIN_REF_PREFIX, MISSION_REF_PREFIX
from flights.geo import great_circle_km
from flights.models import (
    Aircraft,
    AircraftType,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    Operator,
    Source,
)

from .base import Importer, clip
from .bulk import chunks, insert_records, insert_rows, rows_matching, update_rows
from .columns import (
    CellError,
    aircraft_cell,
    is_zoned,
    parse_date,
    read_airport,
    read_basis,
    read_callsign,
    read_icao24,
    read_local_time,
    read_registration,
    read_url,
    read_utc_time,
    read_whole,
    time_in_text,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("flight_date", "day"),
    "departure_time": ("dep_time", "off_time", "atd", "std"),
    "arrival_time": ("arr_time", "on_time", "ata", "sta"),
    "from": ("origin", "dep", "from_airport", "departure_airport", "departure"),
    "to": ("destination", "dest", "arr", "to_airport", "arrival_airport", "arrival"),
    "tail_number": ("registration", "reg", "tail"),
    "icao24": ("hex", "mode_s"),
    "callsign": ("flight_number", "flight"),
    "operator": ("airline", "carrier"),
    "aircraft_type": ("ac_type", "icao_type", "aircraft"),
    "status": ("flight_status",),
    "kind": ("flight_kind", "category", "mission_type"),
    "mission_id": ("mission", "mission_number"),
    "passengers": ("pax", "detainees"),
    "passengers_method": ("count_method",),
    "source_url": ("source", "url", "tracking"),
    "notes": ("note", "comments"),
}

KINDS = {
    "removal": FlightKind.REMOVAL,
    "domestic": FlightKind.DOMESTIC,
    "shuffle": FlightKind.DOMESTIC,
    "transfer": FlightKind.DOMESTIC,
    "lateral": FlightKind.LATERAL,
    "third-country": FlightKind.LATERAL,
    "return": FlightKind.RETURN,
    "connection": FlightKind.RETURN,
    "positioning": FlightKind.RETURN,
    "ferry": FlightKind.RETURN,
}
# The flight's kind is its most telling leg's: a removal with an empty return leg is a removal.
KIND_PRIORITY = [
    FlightKind.LATERAL,
    FlightKind.REMOVAL,
    FlightKind.DOMESTIC,
    FlightKind.RETURN,
    FlightKind.UNKNOWN,
]
CHAIN_GAP = dt.timedelta(hours=6)
MAX_LEG = dt.timedelta(hours=24)
# What a row of the file sets on its leg (FlightlogImporter._leg_values), in this order.
LEG_FIELDS = [
    "flight_id", "date", "departure_airport_id", "arrival_airport_id", "departure_time",
    "arrival_time", "distance_km", "kind", "callsign", "passengers", "passengers_basis",
    "source_url", "notes",
]  # fmt: skip
# What a re-import compares on a stored flight (FlightlogImporter._changed_flights).
FLIGHT_COMPARED = [
    "date", "aircraft_id", "aircraft_type_id", "operator_id", "callsign", "kind",
    "seat_ceiling", "pax_count", "pax_min", "pax_max", "pax_basis", "pax_method",
]  # fmt: skip
SEQ_NEW = 16384  # temporary sequences; renumbered 1..n after writing (see _renumber)
SEQ_OLD = 8192
DATE_HELP = "use YYYY-MM-DD, M/D/YYYY or D Mon YYYY"
# Flight-history statuses of a leg that flew (docs/imports.md); others are not imported.
FLOWN = ("landed", "est. arrival", "estimated arrival", "arrived", "en route", "departed")


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _bounded_key(prefix: str, body: str, limit: int = 200) -> str:
    key = prefix + body
    if len(key) <= limit:
        return key
    return prefix + "sha1:" + hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()


def _read(errors: list, column: str, value: str, reader, *args):
    """reader(value, *args), or None with the cell's (column, value, message) added to
    `errors`; an empty cell is None without a reader."""
    if not value:
        return None
    try:
        return reader(value, *args)
    except CellError as exc:
        errors.append((column, getattr(exc, "value", value), str(exc)))
        return None


def _leg_span(arrival: dt.datetime, departure: dt.datetime) -> None:
    """An arrival after its departure, within a day of it."""
    if arrival <= departure:
        raise CellError(f"arrival {_fmt(arrival)} is not after the departure {_fmt(departure)}")
    if arrival - departure > MAX_LEG:
        raise CellError(
            f"arrival {_fmt(arrival)} is more than 24 hours after the departure {_fmt(departure)}"
        )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Plan(NamedTuple):
    """A group of legs and the flight it is: a stored one (its id, and the values the file
    gives it) or, with no id, a new one."""

    ref: str
    legs: list
    flight_id: int | None
    values: dict | None


class LegRow:
    """One validated leg of the file."""

    __slots__ = (
        "line",
        "order",
        "date",
        "dep",
        "arr",
        "dep_time",
        "arr_time",
        "tail",
        "icao24",
        "callsign",
        "operator",
        "ac_type",
        "kind",
        "mission",
        "pax",
        "basis",
        "source_url",
        "notes",
        "aircraft_key",
        "key",
    )

    def flying_order(self) -> tuple:
        """Date, then departure time (unknown times last in their day), then file order."""
        known = self.dep_time is not None
        return (self.date, not known, self.dep_time if known else _EPOCH, self.order)


class FlightlogImporter(Importer):
    format = "flightlog"
    columns = COLUMNS
    required = ("date", "from", "to")

    def __init__(self, run, report):
        super().__init__(run, report)
        self.reset()

    def reset(self) -> None:
        self.legs: dict[str, LegRow] = {}
        self.seen: set[bytes] = set()
        self._dates: dict[str, dt.date | None] = {}
        self._km: dict[tuple[int, int], float] = {}
        self.latest = timezone.now().date() + dt.timedelta(days=1)

    def start(self, index: dict[str, int]) -> None:
        super().start(index)
        self.width = max(index.values()) + 1
        self._names = list(index)
        # One C call picks every known column of a row (date, from and to are always there).
        self._pick = operator.itemgetter(*index.values())

    def row(self, line: int, cells: list[str]) -> None:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        v = dict(zip(self._names, map(str.strip, self._pick(cells)), strict=True))
        get = v.get
        errors: list[tuple[str, str, str]] = []
        day = self._date(get("date", ""), errors)
        dep, arr = (self._airport(col, get(col, ""), errors) for col in ("from", "to"))
        status = get("status", "")
        if status and not status.lower().startswith(FLOWN):
            self.report.reject(
                line, [("status", status, f'status "{clip(status, 40)}": not flown, not imported')]
            )
            return
        if dep is not None and dep == arr:
            errors.append(
                ("to", get("to", ""), f'same airport as "from" ({self.airports.code_of(dep)})')
            )
        dep_time = arr_time = None
        if day is not None:
            dep_time = _read(errors, "departure_time", get("departure_time", ""),
                             self._departure, day, dep)  # fmt: skip
            arrival = get("arrival_time", "") or time_in_text(status)
            arr_time = _read(errors, "arrival_time", arrival, self._arrival, day, arr, dep_time)
        pax = _read(errors, "passengers", get("passengers", ""), read_whole)
        basis = _read(errors, "passengers_method", get("passengers_method", ""), read_basis)
        basis = basis or (Basis.REPORTED if pax is not None else "")
        icao24 = _read(errors, "icao24", get("icao24", ""), read_icao24) or ""
        tail = _read(errors, "tail_number", get("tail_number", ""), read_registration) or ""
        callsign = _read(errors, "callsign", get("callsign", ""), read_callsign) or ""
        source_url = _read(errors, "source_url", get("source_url", ""), read_url) or ""
        if errors:
            self.report.reject(line, errors)
            return
        if self._repeated(cells):
            return
        leg = LegRow()
        leg.line = line
        leg.date, leg.dep, leg.arr, leg.dep_time, leg.arr_time = day, dep, arr, dep_time, arr_time
        leg.tail, leg.icao24, leg.callsign = tail, icao24, callsign
        leg.pax, leg.basis, leg.source_url = pax, basis, source_url
        self._describe(leg, v)
        self._keep(leg)

    # --- the cells of a row, each read once --------------------------------------------------

    def _date(self, value: str, errors: list) -> dt.date | None:
        """The leg's date, read once per spelling in the file; a date in the future is an
        error (the row is rejected) but still dates its times, a date out of the window not."""
        if not value:
            errors.append(("date", "", "missing date"))
            return None
        day = self._dates.get(value, False)
        if day is False:
            day = self._dates[value] = parse_date(value)
        if day is None:
            errors.append(("date", value, f'unreadable date "{value}": {DATE_HELP}'))
        elif day > self.latest:
            errors.append(
                ("date", value, f"date {day:%Y-%m-%d} is more than one day in the future")
            )
        elif day < EARLIEST:
            errors.append(("date", value, window_error(day)))
            return None
        return day

    def _airport(self, column: str, value: str, errors: list) -> int | None:
        try:
            return read_airport(value, self.airports)
        except CellError as exc:
            errors.append((column, value, str(exc)))
            return None

    def _departure(self, value: str, day: dt.date, dep: int | None) -> dt.datetime:
        """`07:00 EDT` is local to the departure airport; `07:00` is UTC on the leg's date."""
        if is_zoned(value):
            return read_local_time(value, day, self._zone_of(dep, value))
        return read_utc_time(value, day)[0]

    def _arrival(
        self, value: str, day: dt.date, arr: int | None, departure: dt.datetime | None
    ) -> dt.datetime:
        """As _departure(), at the arrival airport; a clock time before the departure lands
        the next day. Either way the arrival must come after the departure, within a day."""
        if is_zoned(value):
            arrival = read_local_time(value, day, self._zone_of(arr, value))
            if departure is not None and arrival < departure:
                arrival += dt.timedelta(days=1)  # landed after local midnight
        else:
            on = departure.date() if departure is not None else day
            arrival, clock = read_utc_time(value, on)
            if departure is not None and clock and arrival < departure:
                arrival += dt.timedelta(days=1)  # lands after midnight UTC
        if departure is not None:
            _leg_span(arrival, departure)
        return arrival

    def _zone_of(self, airport: int | None, value: str) -> str:
        if airport is None:
            raise CellError(f'"{value}" is a local time: it needs the airport it is local to')
        return self.airports.tz_of(airport)

    def _repeated(self, cells: list[str]) -> bool:
        """Whether the row repeats an earlier one exactly (counted as a duplicate). A digest,
        not the row: exact repeats are found without holding every row in memory."""
        signature = hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).digest()
        if signature in self.seen:
            self.report.duplicates += 1
            return True
        self.seen.add(signature)
        return False

    def _describe(self, leg: LegRow, v: dict[str, str]) -> None:
        """The leg's free cells: operator, aircraft type (`B733 (N811TJ)` also gives the
        registration), kind, mission, notes, and the key that groups it with its aircraft."""
        get = v.get
        leg.operator = " ".join(get("operator", "").split())[:120]
        leg.ac_type = get("aircraft_type", "").upper()
        if "(" in leg.ac_type:
            leg.ac_type, registration = aircraft_cell(leg.ac_type)
            if registration and not leg.tail:
                leg.tail = registration
        raw_kind = get("kind", "").lower()
        leg.kind = KINDS.get(raw_kind, FlightKind.UNKNOWN)
        if raw_kind and raw_kind not in KINDS and raw_kind != "unknown":
            self.report.warn(f'line {leg.line}: kind "{clip(raw_kind, 40)}" read as unknown')
        leg.mission = get("mission_id", "")
        leg.notes = get("notes", "")
        leg.aircraft_key = next(
            (
                prefix + value
                for prefix, value in (
                    ("reg:", leg.tail), ("hex:", leg.icao24), ("cs:", leg.callsign),
                    ("mission:", leg.mission),
                )
                if value
            ),
            "",
        )  # fmt: skip

    def _keep(self, leg: LegRow) -> None:
        """Keep the leg under its key (aircraft, date, airports, departure minute); a later row
        of the same leg replaces the earlier one in its place."""
        dep_time = leg.dep_time
        when = f"{dep_time.hour:02d}:{dep_time.minute:02d}" if dep_time is not None else ""
        body = (
            f"{leg.aircraft_key or '-'}|{leg.date.isoformat()}|{self.airports.icao_of(leg.dep)}"
            f"|{self.airports.icao_of(leg.arr)}|{when}"
        )
        leg.key = _bounded_key("", body)
        earlier = self.legs.get(leg.key)
        if earlier is not None:
            self.report.warn(
                f"line {leg.line}: same leg as line {earlier.line} with other values; "
                f"line {leg.line} is kept"
            )
            leg.order = earlier.order
        else:
            leg.order = len(self.legs)
        self.legs[leg.key] = leg
        self.report.accepted += 1

    # --- grouping ----------------------------------------------------------------------------

    def groups(self) -> list[tuple[str, list[LegRow]]]:
        """Legs grouped into flights per DATA.md, each with its natural key."""
        missions: dict[str, list[LegRow]] = defaultdict(list)
        by_aircraft: dict[str, list[LegRow]] = defaultdict(list)
        result: list[tuple[str, list[LegRow]]] = []
        for leg in sorted(self.legs.values(), key=lambda leg: leg.order):
            if leg.mission:
                missions[leg.mission].append(leg)
            elif leg.aircraft_key:
                by_aircraft[leg.aircraft_key].append(leg)
            else:
                result.append((_bounded_key(CHAIN_REF_PREFIX, leg.key), [leg]))
        for mission, legs in missions.items():
            legs.sort(key=LegRow.flying_order)
            result.append((_bounded_key(MISSION_REF_PREFIX, mission), legs))
        for legs in by_aircraft.values():
            legs.sort(key=LegRow.flying_order)
            chain = [legs[0]]
            for leg in legs[1:]:
                prev = chain[-1]
                joined = leg.dep == prev.arr and (
                    (
                        prev.arr_time is not None
                        and leg.dep_time is not None
                        and dt.timedelta(0) <= leg.dep_time - prev.arr_time <= CHAIN_GAP
                    )
                    or ((prev.arr_time is None or leg.dep_time is None) and leg.date == prev.date)
                )
                if joined:
                    chain.append(leg)
                else:
                    result.append((_bounded_key(CHAIN_REF_PREFIX, chain[0].key), chain))
                    chain = [leg]
            result.append((_bounded_key(CHAIN_REF_PREFIX, chain[0].key), chain))
        return result

    # --- writing -----------------------------------------------------------------------------

    def write(self) -> dict[str, dict[str, int]]:
        """Store the file's legs: aircraft and operators first, then each group's flight (new,
        or the stored one it updates), its legs, sources and history."""
        groups = self.groups()
        self._now = timezone.now()
        counts: dict[str, dict[str, int]] = {
            kind: {"created": 0, "updated": 0, "unchanged": 0}
            for kind in ("flights", "legs", "aircraft", "operators", "sources")
        }
        operators = self._operators(counts["operators"])
        types = self._types()
        known = (operators, self._aircraft(operators, types, counts["aircraft"]), types)
        existing_legs = self._existing_legs()
        plans = self._plans(groups, existing_legs, known)
        flight_ids, created_ids, changed_flights = self._write_flights(plans, known)
        touched, leg_changes = self._write_legs(
            plans, flight_ids, created_ids, existing_legs, counts["legs"]
        )
        stored_touched = sorted(touched - created_ids)
        self._renumber(stored_touched)
        self._refresh_routes(stored_touched)
        self._link_sources(plans, flight_ids, created_ids, counts["sources"])
        entries = self._write_history(
            flight_ids, created_ids, touched, changed_flights, leg_changes
        )
        counts["flights"]["created"] = len(created_ids)
        counts["flights"]["updated"] = entries - len(created_ids)
        counts["flights"]["unchanged"] = len(set(flight_ids)) - entries
        return counts

    def _types(self) -> dict[str, tuple[int, int | None]]:
        """designator → (aircraft type id, typical seats); the file's unknown ones are said."""
        types = {
            d: (pk, seats)
            for pk, d, seats in AircraftType.objects.values_list(
                "id", "designator", "typical_seats"
            )
        }
        for designator in sorted({leg.ac_type for leg in self.legs.values()} - set(types) - {""}):
            self.report.warn(f'unknown aircraft type "{clip(designator, 20)}": left empty')
        return types

    def _plans(self, groups, existing_legs: dict, known) -> list[Plan]:
        """Each group's stored flight (by its reference, or a chain by a leg already stored),
        with the values it should carry; a new flight's values are worked out while it is sent
        (_write_flights)."""
        refs = [ref for ref, _ in groups]
        flights_by_ref = dict(rows_matching(Flight, "external_ref", refs, ["external_ref", "id"]))
        plans = []
        for ref, legs in groups:
            flight_id = flights_by_ref.get(ref)
            if flight_id is None and ref.startswith(CHAIN_REF_PREFIX):
                flight_id = next(
                    (existing_legs[leg.key][2][0] for leg in legs if leg.key in existing_legs),
                    None,
                )
            values = self._flight_values(legs, *known) if flight_id else None
            plans.append(Plan(ref, legs, flight_id, values))
        return plans

    def _write_flights(self, plans: list[Plan], known) -> tuple[list, set, dict]:
        """Insert the new flights, update the stored ones whose values changed: (flight id of
        each plan, ids created, {id: {field: [old, new]}} of the changed)."""
        new_flights = sorted(
            (i for i, plan in enumerate(plans) if plan.flight_id is None),
            key=lambda i: plans[i].legs[0].date,
        )  # in date order: most indexes lead with the date, and appending costs less

        def new_records():
            # Built while COPY sends the ones before: the database works while Python does.
            # A new flight's legs are all in the file, in flying order: its route is known
            # now, so the flight is written once, complete.
            for i in new_flights:
                legs = plans[i].legs
                yield {
                    "external_ref": plans[i].ref,
                    "status": "reported",
                    "created_by_id": self.run.started_by_id,
                    "updated_by_id": self.run.started_by_id,
                    **self._flight_values(legs, *known),
                    **self._route([(g.dep, g.arr, g.kind, self._distance(g)) for g in legs]),
                }

        stored, changed = self._changed_flights(plans)
        flight_ids = [plan.flight_id for plan in plans]
        created = insert_records(Flight, new_records(), count=len(new_flights))
        for i, pk in zip(new_flights, created, strict=True):
            flight_ids[i] = pk
        if changed:
            fields = sorted({f for diff in changed.values() for f in diff})
            by = self.run.started_by_id
            update_rows(
                Flight,
                [*fields, "updated_at", "updated_by_id"],
                [(fid, *(stored[fid][f] for f in fields), self._now, by) for fid in changed],
            )
        return flight_ids, {flight_ids[i] for i in new_flights}, changed

    def _changed_flights(self, plans: list[Plan]) -> tuple[dict[int, dict], dict[int, dict]]:
        """The stored flights' FLIGHT_COMPARED values with the file's applied, and what changed:
        a value the file leaves empty keeps what is recorded."""
        ids = [plan.flight_id for plan in plans if plan.flight_id]
        stored: dict[int, dict] = {
            row[0]: dict(zip(FLIGHT_COMPARED, row[1:], strict=True))
            for row in rows_matching(Flight, "id", ids, ["id", *FLIGHT_COMPARED])
        }
        changed: dict[int, dict] = {}
        for plan in plans:
            if plan.flight_id is None:
                continue
            flight, diff = stored[plan.flight_id], {}
            for field, value in plan.values.items():
                if value in (None, "", FlightKind.UNKNOWN):
                    continue  # the file does not say: keep what is recorded
                if flight[field] != value:
                    diff[field] = [_plain(flight[field]), _plain(value)]
                    flight[field] = value
            if diff:
                changed[plan.flight_id] = diff
        return stored, changed

    def _write_legs(self, plans, flight_ids, created_ids, existing_legs, counts):
        """Insert the new legs, update the changed ones, count the rest: (ids of the flights
        whose legs changed, {flight id: ["line n: what changed"]})."""
        new_legs, changed_legs = [], []
        leg_changes: dict[int, list[str]] = defaultdict(list)
        touched: set[int] = set()
        for flight_id, plan in zip(flight_ids, plans, strict=True):
            for pos, leg in enumerate(plan.legs):
                old = existing_legs.get(leg.key)
                if old is None:
                    # A new flight's legs are already in flying order: final numbers.
                    sequence = pos + 1 if flight_id in created_ids else SEQ_NEW + pos
                    new_legs.append((leg.date, flight_id, sequence, leg))
                    touched.add(flight_id)
                    continue
                change = self._leg_change(leg, flight_id, pos, old)
                if change is None:
                    counts["unchanged"] += 1
                    continue
                row, described, moved_from = change
                touched.update({flight_id, moved_from} - {None})
                changed_legs.append(row)
                leg_changes[flight_id].append(f"line {leg.line}: {described}")
        new_legs.sort(key=lambda item: item[:3])  # by date, as the flights
        insert_rows(
            Leg,
            ["sequence", "import_key", "departure_basis", "arrival_basis", *LEG_FIELDS],
            (
                (sequence, leg.key, Basis.REPORTED, Basis.REPORTED,
                 *self._leg_values(leg, flight_id))
                for _, flight_id, sequence, leg in new_legs
            ),
        )  # fmt: skip
        update_rows(Leg, ["sequence", *LEG_FIELDS], changed_legs)
        counts["created"], counts["updated"] = len(new_legs), len(changed_legs)
        return touched, leg_changes

    def _leg_change(self, leg: LegRow, flight_id: int, pos: int, old: tuple):
        """None when the stored leg has the file's values, else (its update row, what changed
        as text, the flight it moves from or None); the change is also warned."""
        old_id, sequence, old_values = old
        values = self._leg_values(leg, flight_id)
        diff = {
            field: (was, value)
            for field, was, value in zip(LEG_FIELDS, old_values, values, strict=True)
            if was != value
        }
        if not diff:
            return None
        moved_from = None
        if "flight_id" in diff:
            sequence, moved_from = SEQ_NEW + pos, old_values[0]
        described = ", ".join(
            f"{field.removesuffix('_id')} {_show(a)} → {_show(b)}" for field, (a, b) in diff.items()
        )
        self.report.warn(f"line {leg.line}: leg {self._leg_label(leg)} updated: {described}")
        return (old_id, sequence, *values), described, moved_from

    def _link_sources(self, plans, flight_ids, created_ids, counts) -> None:
        """Provenance: the file itself, and every source URL its rows cite, on every flight."""
        run = self.run
        file_source = self._source(
            title=f"Flight log: {run.file_name or run.url or f'import #{run.pk}'}"[:300],
            url=run.url if len(run.url) <= 500 else "",
            counts=counts,
        )
        url_sources = {}
        links = set()
        for flight_id, plan in zip(flight_ids, plans, strict=True):
            links.add((flight_id, file_source.pk))
            for url in dict.fromkeys(leg.source_url for leg in plan.legs if leg.source_url):
                if url not in url_sources:
                    url_sources[url] = self._source(title=url[:300], url=url, counts=counts).pk
                links.add((flight_id, url_sources[url]))
        old_flights = sorted({f for f, _ in links} - created_ids)
        links -= set(
            rows_matching(FlightSource, "flight_id", old_flights, ["flight_id", "source_id"])
        )
        insert_rows(
            FlightSource,
            ["flight_id", "source_id", "note", "added_at"],
            [(f, s, "", self._now) for f, s in links],
        )

    def _write_history(self, flight_ids, created_ids, touched, changed_flights, leg_changes) -> int:
        """One history entry per flight created or updated; how many."""
        run = self.run
        label = f"import #{run.pk} ({run.file_name or run.url})"[:200]
        history = []
        for flight_id in flight_ids:
            if flight_id in created_ids:
                action, summary, changes = "imported", "Created", {"import_run": run.pk}
            elif flight_id in changed_flights or flight_id in touched or leg_changes.get(flight_id):
                action, summary = "import updated", "Updated"
                changes = {
                    "import_run": run.pk,
                    "flight": changed_flights.get(flight_id, {}),
                    "legs": leg_changes.get(flight_id, []),
                }
            else:
                continue
            history.append((flight_id, self._now, run.started_by_id, action,
                            f"{summary} by flight-log {label}", changes))  # fmt: skip
        insert_rows(
            FlightChange, ["flight_id", "at", "actor_id", "action", "summary", "changes"], history
        )
        return len(history)

    def _leg_label(self, leg: LegRow) -> str:
        who = leg.aircraft_key.split(":", 1)[-1] if leg.aircraft_key else "leg"
        return (
            f"{who} {leg.date:%Y-%m-%d} "
            f"{self.airports.code_of(leg.dep)} → {self.airports.code_of(leg.arr)}"
        )

    def _distance(self, leg: LegRow) -> float:
        pair = (leg.dep, leg.arr)
        km = self._km.get(pair)
        if km is None:
            lat1, lon1 = self.airports.position(leg.dep)
            lat2, lon2 = self.airports.position(leg.arr)
            km = self._km[pair] = round(great_circle_km(lat1, lon1, lat2, lon2), 1)
        return km

    def _leg_values(self, leg: LegRow, flight_id: int) -> tuple:
        """The leg's LEG_FIELDS, in that order."""
        return (
            flight_id, leg.date, leg.dep, leg.arr, leg.dep_time, leg.arr_time,
            self._distance(leg), leg.kind, leg.callsign, leg.pax, leg.basis, leg.source_url,
            leg.notes,
        )  # fmt: skip

    def _existing_legs(self) -> dict[str, tuple]:
        """import key → (id, sequence, LEG_FIELDS values) of the stored legs of this file."""
        rows = rows_matching(
            Leg, "import_key", list(self.legs), ["import_key", "id", "sequence", *LEG_FIELDS]
        )
        return {row[0]: (row[1], row[2], row[3:]) for row in rows}

    def _flight_values(self, legs: list[LegRow], operators, aircraft, types) -> dict:
        first = legs[0]
        plane = next(
            (aircraft[k] for k in (leg.aircraft_key for leg in legs) if k in aircraft), None
        )
        # The type flown is known even without an airframe; its typical seats bound estimates.
        named = next((types[t] for t in (leg.ac_type for leg in legs) if t in types), None)
        type_id = (plane[2] if plane else None) or (named[0] if named else None)
        ceiling = plane[1] if plane and plane[1] is not None else None
        if ceiling is None and type_id is not None:
            ceiling = next((seats for pk, seats in types.values() if pk == type_id), None)
        operator = next((operators[o.lower()] for o in (leg.operator for leg in legs) if o), None)
        kinds = {leg.kind for leg in legs}
        kind = next(k for k in KIND_PRIORITY if k in kinds or k == FlightKind.UNKNOWN)
        values = {
            "date": first.date,
            "aircraft_id": plane[0] if plane else None,
            "aircraft_type_id": type_id,
            "operator_id": operator,
            "callsign": next((leg.callsign for leg in legs if leg.callsign), ""),
            "kind": kind,
            "seat_ceiling": ceiling,
        }
        counted = [leg for leg in legs if leg.pax is not None and leg.kind != FlightKind.RETURN]
        if counted:
            best = max(counted, key=lambda leg: leg.pax)
            if best.basis == Basis.ESTIMATED:
                high = best.pax if ceiling is None else min(best.pax, ceiling)
                values.update(pax_count=None, pax_min=high, pax_max=high)
            else:
                values.update(pax_count=best.pax, pax_min=None, pax_max=None)
            values["pax_basis"] = best.basis
            values["pax_method"] = "flight log: largest count of a leg"
        return values

    def _operators(self, counts) -> dict[str, int]:
        known = {name.lower(): pk for pk, name in Operator.objects.values_list("id", "name")}
        wanted = {}
        for leg in self.legs.values():
            if leg.operator and leg.operator.lower() not in known:
                wanted.setdefault(leg.operator.lower(), leg.operator)
        if wanted:
            Operator.objects.bulk_create(
                [Operator(name=name) for name in wanted.values()], ignore_conflicts=True
            )
            known.update(
                Operator.objects.annotate(lname=Lower("name"))
                .filter(lname__in=list(wanted))
                .values_list("lname", "id")
            )
        counts["created"] = len(wanted)
        used = {leg.operator.lower() for leg in self.legs.values() if leg.operator}
        counts["unchanged"] = len(used) - len(wanted)
        return known

    def _aircraft(self, operators, types, counts) -> dict[str, tuple[int, int | None, int | None]]:
        """aircraft_key → (aircraft id, seats, type id) for every leg whose aircraft is known;
        aircraft the file names first are created, what a stored one lacks is filled in."""
        first: dict[str, LegRow] = {}
        hexes: set[str] = set()
        for leg in self.legs.values():
            if leg.tail:
                first.setdefault(leg.tail, leg)
            elif leg.icao24:
                hexes.add(leg.icao24)
        hexes |= {leg.icao24 for leg in first.values() if leg.icao24}
        existing = _by_field("registration", list(first))
        by_hex = _by_field("icao24", sorted(hexes))
        new, changed = [], []
        for tail, leg in first.items():
            plane = existing.get(tail)
            hex_free = self._hex_free(leg, plane, by_hex)
            if plane is None:
                plane = _new_aircraft(leg, hex_free, operators, types)
                new.append(plane)
                if hex_free:
                    by_hex[leg.icao24] = plane
                continue
            if hex_free and not plane.icao24:
                by_hex[leg.icao24] = plane  # filled in just below
            if _fill_aircraft(plane, leg, hex_free, operators, types):
                changed.append(plane)
        Aircraft.objects.bulk_create(new, batch_size=2000)
        if changed:
            Aircraft.objects.bulk_update(changed, ["icao24", "aircraft_type", "operator"])
        counts.update(
            created=len(new), updated=len(changed), unchanged=len(first) - len(new) - len(changed)
        )
        seats_of_type = {pk: seats for pk, seats in types.values()}

        def known(plane):
            return plane.pk, _seats(plane, seats_of_type), plane.aircraft_type_id

        result = {"reg:" + tail: known(existing[tail]) for tail in first if tail in existing}
        result.update(("reg:" + plane.registration, known(plane)) for plane in new)
        for hex_code, plane in by_hex.items():
            result.setdefault("hex:" + hex_code, known(plane))
        return result

    def _hex_free(self, leg: LegRow, plane: Aircraft | None, by_hex: dict) -> bool:
        """Whether the leg's ICAO address may be recorded on its aircraft: not another's."""
        if not leg.icao24:
            return False
        if leg.icao24 not in by_hex or (plane is not None and by_hex[leg.icao24].pk == plane.pk):
            return True
        self.report.warn(
            f"line {leg.line}: ICAO address {leg.icao24} belongs to "
            f"{by_hex[leg.icao24].registration}, not {leg.tail}: not recorded"
        )
        return False

    def _source(self, title: str, url: str, counts) -> Source:
        kind = self.run.source_kind or SourceKind.ADVOCACY
        source, created = Source.objects.get_or_create(kind=kind, title=title, url=url)
        counts["created" if created else "unchanged"] += 1
        return source

    def _renumber(self, flight_ids: list[int]) -> None:
        """Sequences 1..n in flying order for flights whose legs changed, in two steps that
        never collide with the unique (flight, sequence) constraint."""
        table = connection.ops.quote_name(Leg._meta.db_table)
        for chunk in chunks(flight_ids, 500):
            marks = ", ".join(["%s"] * len(chunk))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET sequence = sequence + {SEQ_OLD} "
                    f"WHERE flight_id IN ({marks}) AND sequence < {SEQ_OLD}",
                    chunk,
                )
                cursor.execute(
                    f"UPDATE {table} SET sequence = ranked.n FROM ("
                    "  SELECT id, ROW_NUMBER() OVER (PARTITION BY flight_id ORDER BY date,"
                    "  departure_time IS NULL, departure_time, sequence) AS n"
                    f"  FROM {table} WHERE flight_id IN ({marks})"
                    f") AS ranked WHERE {table}.id = ranked.id",
                    chunk,
                )

    def _route(self, legs: list[tuple]) -> dict:
        """What Flight.refresh_route() sets, from (departure, arrival, kind, km) in flying
        order, without a query."""
        codes = self.airports
        if not legs:
            return {
                "route": "", "origin_id": None, "destination_id": None,
                "destination_country_id": None, "distance_km": None, "leg_count": 0,
            }  # fmt: skip
        route: list[str] = []
        for dep, arr, _, _ in legs:
            if not route or route[-1] != codes.code_of(dep):
                route.append(codes.code_of(dep))
            route.append(codes.code_of(arr))
        # The destination is where the people were taken: not an empty flight home.
        outbound = [leg for leg in legs if leg[2] != FlightKind.RETURN] or legs
        destination = outbound[-1][1]
        return {
            "route": " → ".join(route)[:300],
            "origin_id": legs[0][0],
            "destination_id": destination,
            "destination_country_id": codes.country_of(destination),
            "distance_km": round(sum(leg[3] or 0 for leg in legs), 1),
            "leg_count": len(legs),
        }

    def _refresh_routes(self, flight_ids: list[int]) -> None:
        """_route() for stored flights whose legs changed, read back in a few queries; a
        flight's date is its first leg's."""
        legs_of: dict[int, list] = defaultdict(list)
        firsts: dict[int, dt.date] = {}
        fields = [
            "flight_id", "departure_airport_id", "arrival_airport_id", "kind", "distance_km",
            "date", "sequence",
        ]  # fmt: skip
        for row in sorted(rows_matching(Leg, "flight_id", flight_ids, fields), key=lambda r: r[6]):
            legs_of[row[0]].append(row[1:5])
            firsts.setdefault(row[0], row[5])
        columns = [
            "route", "origin_id", "destination_id", "destination_country_id", "distance_km",
            "leg_count",
        ]  # fmt: skip
        full, empty = [], []
        for flight_id in flight_ids:
            summary = self._route(legs_of.get(flight_id, []))
            if flight_id in firsts:
                full.append((flight_id, *(summary[c] for c in columns), firsts[flight_id]))
            else:
                empty.append((flight_id, *(summary[c] for c in columns)))
        update_rows(Flight, [*columns, "date"], full)
        update_rows(Flight, columns, empty)


def _by_field(field: str, values: list[str]) -> dict[str, Aircraft]:
    """Stored aircraft whose `field` is one of `values`, by that value, with their types."""
    found = {}
    for chunk in chunks(values, 2000):
        found.update(
            (getattr(a, field), a)
            for a in Aircraft.objects.filter(**{f"{field}__in": chunk}).select_related(
                "aircraft_type"
            )
        )
    return found


def _new_aircraft(leg: LegRow, hex_free: bool, operators, types) -> Aircraft:
    return Aircraft(
        registration=leg.tail,
        icao24=leg.icao24 if hex_free else None,
        aircraft_type_id=types.get(leg.ac_type, (None, None))[0],
        operator_id=operators.get(leg.operator.lower()) if leg.operator else None,
    )


def _fill_aircraft(plane: Aircraft, leg: LegRow, hex_free: bool, operators, types) -> bool:
    """Fill what a stored aircraft is missing from the leg; never overwrite what a person
    recorded. Whether anything was filled."""
    type_id = types.get(leg.ac_type, (None, None))[0]
    operator_id = operators.get(leg.operator.lower()) if leg.operator else None
    dirty = False
    if hex_free and not plane.icao24:
        plane.icao24, dirty = leg.icao24, True
    if type_id and not plane.aircraft_type_id:
        plane.aircraft_type_id, dirty = type_id, True
    if operator_id and not plane.operator_id:
        plane.operator_id, dirty = operator_id, True
    return dirty


def _seats(plane: Aircraft, seats_of_type: dict) -> int | None:
    if plane.seats is not None:
        return plane.seats
    return seats_of_type.get(plane.aircraft_type_id)


def _plain(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _show(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, dt.datetime):
        return _fmt(value)
    return f'"{clip(str(value), 60)}"' if isinstance(value, str) else str(value)
