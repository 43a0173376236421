"""Flight logs kept by advocacy groups and volunteer networks: one row per leg (DATA.md §1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import re
from collections import defaultdict

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
    airport_codes,
    parse_date,
    read_local_time,
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
METHODS = {"observed": Basis.OBSERVED, "estimated": Basis.ESTIMATED, "reported": Basis.REPORTED}
CHAIN_GAP = dt.timedelta(hours=6)
MAX_LEG = dt.timedelta(hours=24)
# What a row of the file sets on its leg (FlightlogImporter._leg_values), in this order.
LEG_FIELDS = [
    "flight_id", "date", "departure_airport_id", "arrival_airport_id", "departure_time",
    "arrival_time", "distance_km", "kind", "callsign", "passengers", "passengers_basis",
    "source_url", "notes",
]  # fmt: skip
SEQ_NEW = 16384  # temporary sequences; renumbered 1..n after writing (see _renumber)
SEQ_OLD = 8192
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TEXT_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_HEX = re.compile(r"^[0-9a-fA-F]{6}$")
_WHOLE = re.compile(r"^\d+(?:\.0*)?$")  # a spreadsheet's 21.0 is 21
_ZONED = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s*[A-Za-z]{2,5}$")
# Flight-history statuses of a leg that flew (docs/imports.md); others are not imported.
FLOWN = ("landed", "est. arrival", "estimated arrival", "arrived", "en route", "departed")
DATE_HELP = "use YYYY-MM-DD, M/D/YYYY or D Mon YYYY"
TIME_HELP = "use HH:MM (UTC) or ISO 8601 with an offset"


def parse_time(value: str, on: dt.date) -> tuple[dt.datetime, bool] | None:
    """(UTC datetime, is a bare clock time) or None when unreadable."""
    if m := _CLOCK.match(value):
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if h > 23 or mi > 59 or s > 59:
            return None
        return dt.datetime(on.year, on.month, on.day, h, mi, s, tzinfo=dt.UTC), True
    if "T" not in value and " " not in value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC), False


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _bounded_key(prefix: str, body: str, limit: int = 200) -> str:
    key = prefix + body
    if len(key) <= limit:
        return key
    return prefix + "sha1:" + hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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

        raw_date = get("date", "")
        day = None
        if not raw_date:
            errors.append(("date", "", "missing date"))
        else:
            day = self._dates.get(raw_date, False)
            if day is False:
                day = self._dates[raw_date] = parse_date(raw_date)
            if day is None:
                errors.append(("date", raw_date, f'unreadable date "{raw_date}": {DATE_HELP}'))
            elif day > self.latest:
                errors.append(
                    ("date", raw_date, f"date {day:%Y-%m-%d} is more than one day in the future")
                )
            elif day < EARLIEST:
                errors.append(("date", raw_date, window_error(day)))
                day = None

        airports = []
        for col in ("from", "to"):
            code = get(col, "")
            if not code:
                errors.append((col, "", "missing airport code"))
                airports.append(None)
                continue
            pk = next(filter(None, map(self.airports.resolve, airport_codes(code))), None)
            if pk is None:
                errors.append((col, code, f'unknown airport code "{code}"'))
            airports.append(pk)
        dep, arr = airports
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
            raw = get("departure_time", "")
            if raw and dep is not None and _ZONED.match(raw):
                try:
                    dep_time = read_local_time(raw, day, self.airports.tz_of(dep))
                except CellError as exc:
                    errors.append(("departure_time", raw, str(exc)))
                raw = ""
            if raw:
                parsed = parse_time(raw, day)
                if parsed is None:
                    errors.append(("departure_time", raw, f'unreadable time "{raw}": {TIME_HELP}'))
                else:
                    dep_time = parsed[0]
            raw = get("arrival_time", "") or time_in_text(status)
            if raw and arr is not None and _ZONED.match(raw):
                try:
                    arr_time = read_local_time(raw, day, self.airports.tz_of(arr))
                    if dep_time is not None and arr_time < dep_time:
                        arr_time += dt.timedelta(days=1)  # landed after local midnight
                except CellError as exc:
                    errors.append(("arrival_time", raw, str(exc)))
                raw = ""
            if raw:
                base = dep_time.date() if dep_time is not None else day
                parsed = parse_time(raw, base)
                if parsed is None:
                    errors.append(("arrival_time", raw, f'unreadable time "{raw}": {TIME_HELP}'))
                else:
                    arr_time, clock = parsed
                    if clock and dep_time is not None and arr_time < dep_time:
                        arr_time += dt.timedelta(days=1)  # lands after midnight UTC
                    if dep_time is not None:
                        if arr_time <= dep_time:
                            errors.append(
                                (
                                    "arrival_time",
                                    raw,
                                    f"arrival {_fmt(arr_time)} is not after "
                                    f"the departure {_fmt(dep_time)}",
                                )
                            )
                        elif arr_time - dep_time > MAX_LEG:
                            errors.append(
                                (
                                    "arrival_time",
                                    raw,
                                    f"arrival {_fmt(arr_time)} is more than 24 hours after "
                                    f"the departure {_fmt(dep_time)}",
                                )
                            )

        pax = None
        raw = get("passengers", "")
        if raw:
            if _WHOLE.match(raw):
                pax = int(float(raw))
                if pax > 2_000_000_000:
                    errors.append(("passengers", raw, f'not a whole number ≥ 0: "{raw}"'))
            else:
                errors.append(("passengers", raw, f'not a whole number ≥ 0: "{raw}"'))
        raw_method = get("passengers_method", "")
        basis = ""
        if raw_method:
            basis = METHODS.get(raw_method.lower(), "")
            if not basis:
                errors.append(
                    (
                        "passengers_method",
                        raw_method,
                        f'unknown counting method "{raw_method}": '
                        "use observed, estimated or reported",
                    )
                )
        elif pax is not None:
            basis = Basis.REPORTED

        icao24 = get("icao24", "")
        if icao24 and not _HEX.match(icao24):
            errors.append(
                ("icao24", icao24, f'not a 6-digit hexadecimal ICAO 24-bit address: "{icao24}"')
            )
        tail = get("tail_number", "").upper().replace(" ", "")
        if len(tail) > 10:
            errors.append(("tail_number", tail, "a registration has at most 10 characters"))
        callsign = get("callsign", "").upper().replace(" ", "")
        if len(callsign) > 12:
            errors.append(("callsign", callsign, "a callsign has at most 12 characters"))
        source_url = get("source_url", "")
        if source_url and (
            len(source_url) > 500 or not source_url.lower().startswith(("http://", "https://"))
        ):
            errors.append(("source_url", source_url, "not an http(s) address of ≤ 500 characters"))

        report = self.report
        if errors:
            report.reject(line, errors)
            return
        # A digest, not the row: exact repeats are found without holding every row in memory.
        signature = hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).digest()
        if signature in self.seen:
            report.duplicates += 1
            return
        self.seen.add(signature)

        leg = LegRow()
        leg.line = line
        leg.date, leg.dep, leg.arr, leg.dep_time, leg.arr_time = day, dep, arr, dep_time, arr_time
        leg.tail, leg.icao24, leg.callsign = tail, icao24.lower(), callsign
        leg.operator = " ".join(get("operator", "").split())[:120]
        leg.ac_type = get("aircraft_type", "").upper()
        if "(" in leg.ac_type:
            leg.ac_type, registration = aircraft_cell(leg.ac_type)
            if registration and not leg.tail:
                tail = leg.tail = registration
        raw_kind = get("kind", "").lower()
        leg.kind = KINDS.get(raw_kind, FlightKind.UNKNOWN)
        if raw_kind and raw_kind not in KINDS and raw_kind != "unknown":
            report.warn(f'line {line}: kind "{clip(raw_kind, 40)}" read as unknown')
        leg.mission = get("mission_id", "")
        leg.pax, leg.basis = pax, basis
        leg.source_url, leg.notes = source_url, get("notes", "")
        if tail:
            leg.aircraft_key = "reg:" + tail
        elif leg.icao24:
            leg.aircraft_key = "hex:" + leg.icao24
        elif callsign:
            leg.aircraft_key = "cs:" + callsign
        elif leg.mission:
            leg.aircraft_key = "mission:" + leg.mission
        else:
            leg.aircraft_key = ""
        when = f"{dep_time.hour:02d}:{dep_time.minute:02d}" if dep_time is not None else ""
        body = (
            f"{leg.aircraft_key or '-'}|{day.isoformat()}|{self.airports.icao_of(dep)}"
            f"|{self.airports.icao_of(arr)}|{when}"
        )
        leg.key = _bounded_key("", body)
        earlier = self.legs.get(leg.key)
        if earlier is not None:
            report.warn(
                f"line {line}: same leg as line {earlier.line} with other values; "
                f"line {line} is kept"
            )
            leg.order = earlier.order
        else:
            leg.order = len(self.legs)
        self.legs[leg.key] = leg
        report.accepted += 1

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
        groups = self.groups()
        run = self.run
        now = timezone.now()
        counts: dict[str, dict[str, int]] = {
            kind: {"created": 0, "updated": 0, "unchanged": 0}
            for kind in ("flights", "legs", "aircraft", "operators", "sources")
        }
        operators = self._operators(counts["operators"])
        types = {
            d: (pk, seats)
            for pk, d, seats in AircraftType.objects.values_list(
                "id", "designator", "typical_seats"
            )
        }
        for designator in sorted({leg.ac_type for leg in self.legs.values()} - set(types) - {""}):
            self.report.warn(f'unknown aircraft type "{clip(designator, 20)}": left empty')
        aircraft = self._aircraft(operators, types, counts["aircraft"])

        existing_legs = self._existing_legs()
        refs = [ref for ref, _ in groups]
        flights_by_ref = dict(rows_matching(Flight, "external_ref", refs, ["external_ref", "id"]))

        # Decide each group's flight and the values it should carry.
        plans = []
        for ref, legs in groups:
            flight_id = flights_by_ref.get(ref)
            if flight_id is None and ref.startswith(CHAIN_REF_PREFIX):
                for leg in legs:
                    found = existing_legs.get(leg.key)
                    if found:
                        flight_id = found[2][0]
                        break
            # A new flight's values are worked out while it is sent (new_records below).
            values = self._flight_values(legs, operators, aircraft, types) if flight_id else None
            plans.append((ref, legs, flight_id, values))

        existing_ids = [fid for _, _, fid, _ in plans if fid]
        compared = [
            "date", "aircraft_id", "aircraft_type_id", "operator_id", "callsign", "kind",
            "seat_ceiling", "pax_count", "pax_min", "pax_max", "pax_basis", "pax_method",
        ]  # fmt: skip
        existing_flights: dict[int, dict] = {
            row[0]: dict(zip(compared, row[1:], strict=True))
            for row in rows_matching(Flight, "id", existing_ids, ["id", *compared])
        }

        # New rows go in date order: most indexes lead with the date or end with it, and
        # appending to them costs less than inserting all over them.
        new_flights = sorted(
            (i for i, plan in enumerate(plans) if plan[2] is None),
            key=lambda i: plans[i][1][0].date,
        )

        def new_records():
            # Built while COPY sends the ones before: the database works while Python does.
            for i in new_flights:
                ref, legs, _, _ = plans[i]
                # A new flight's legs are all in the file, in flying order: its route is
                # known now, so the flight is written once, complete.
                yield {
                    "external_ref": ref,
                    "status": "reported",
                    "created_by_id": run.started_by_id,
                    "updated_by_id": run.started_by_id,
                    **self._flight_values(legs, operators, aircraft, types),
                    **self._route(
                        [(leg.dep, leg.arr, leg.kind, self._distance(leg)) for leg in legs]
                    ),
                }

        changed_flights: dict[int, dict] = {}
        for _, _, flight_id, values in plans:
            if flight_id is None:
                continue
            flight = existing_flights[flight_id]
            diff = {}
            for field, value in values.items():
                if value in (None, "", FlightKind.UNKNOWN):
                    continue  # the file does not say: keep what is recorded
                old = flight[field]
                if old != value:
                    diff[field] = [_plain(old), _plain(value)]
                    flight[field] = value
            if diff:
                changed_flights[flight_id] = diff
        flight_ids = [fid for _, _, fid, _ in plans]
        created = insert_records(Flight, new_records(), count=len(new_flights))
        for i, pk in zip(new_flights, created, strict=True):
            flight_ids[i] = pk
        created_ids = {flight_ids[i] for i in new_flights}
        if changed_flights:
            fields = sorted({f for diff in changed_flights.values() for f in diff})
            update_rows(
                Flight,
                [*fields, "updated_at", "updated_by_id"],
                [
                    (fid, *(existing_flights[fid][f] for f in fields), now,
                     run.started_by_id)
                    for fid in changed_flights
                ],
            )  # fmt: skip

        # Legs: insert new ones, update changed ones, count the rest.
        new_legs, changed_legs = [], []
        leg_changes: dict[int, list[str]] = defaultdict(list)
        touched: set[int] = set()
        for flight_id, (_, legs, _, _) in zip(flight_ids, plans, strict=True):
            for pos, leg in enumerate(legs):
                old = existing_legs.get(leg.key)
                if old is None:
                    # A new flight's legs are already in flying order: final numbers.
                    sequence = pos + 1 if flight_id in created_ids else SEQ_NEW + pos
                    new_legs.append((leg.date, flight_id, sequence, leg))
                    touched.add(flight_id)
                    continue
                old_id, sequence, old_values = old
                values = self._leg_values(leg, flight_id)
                diff = {
                    field: (was, value)
                    for field, was, value in zip(LEG_FIELDS, old_values, values, strict=True)
                    if was != value
                }
                if not diff:
                    counts["legs"]["unchanged"] += 1
                    continue
                if "flight_id" in diff:
                    sequence = SEQ_NEW + pos
                    touched.add(old_values[0])
                touched.add(flight_id)
                changed_legs.append((old_id, sequence, *values))
                described = ", ".join(
                    f"{field.removesuffix('_id')} {_show(a)} → {_show(b)}"
                    for field, (a, b) in diff.items()
                )
                leg_changes[flight_id].append(f"line {leg.line}: {described}")
                self.report.warn(
                    f"line {leg.line}: leg {self._leg_label(leg)} updated: {described}"
                )
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
        counts["legs"]["created"] = len(new_legs)
        counts["legs"]["updated"] = len(changed_legs)

        stored_touched = sorted(touched - created_ids)
        self._renumber(stored_touched)
        self._refresh_routes(stored_touched)

        # Provenance: the file itself, and every source URL its rows cite.
        file_source = self._source(
            title=f"Flight log: {run.file_name or run.url or f'import #{run.pk}'}"[:300],
            url=run.url if len(run.url) <= 500 else "",
            counts=counts["sources"],
        )
        url_sources = {}
        links = set()
        for flight_id, (_, legs, _, _) in zip(flight_ids, plans, strict=True):
            links.add((flight_id, file_source.pk))
            for leg in legs:
                if leg.source_url:
                    if leg.source_url not in url_sources:
                        url_sources[leg.source_url] = self._source(
                            title=leg.source_url[:300], url=leg.source_url, counts=counts["sources"]
                        ).pk
                    links.add((flight_id, url_sources[leg.source_url]))
        old_flights = sorted({f for f, _ in links} - created_ids)
        links -= set(
            rows_matching(FlightSource, "flight_id", old_flights, ["flight_id", "source_id"])
        )
        insert_rows(
            FlightSource,
            ["flight_id", "source_id", "note", "added_at"],
            [(f, s, "", now) for f, s in links],
        )

        # History: one entry per flight created or updated.
        history = []
        label = f"import #{run.pk} ({run.file_name or run.url})"[:200]
        created_note = {"import_run": run.pk}
        actor = run.started_by_id
        for flight_id in flight_ids:
            if flight_id in created_ids:
                history.append(
                    (flight_id, now, actor, "imported", f"Created by flight-log {label}",
                     created_note)
                )  # fmt: skip
            elif flight_id in changed_flights or flight_id in touched or leg_changes.get(flight_id):
                changes = {
                    "import_run": run.pk,
                    "flight": changed_flights.get(flight_id, {}),
                    "legs": leg_changes.get(flight_id, []),
                }
                history.append(
                    (flight_id, now, actor, "import updated", f"Updated by flight-log {label}",
                     changes)
                )  # fmt: skip
        insert_rows(
            FlightChange, ["flight_id", "at", "actor_id", "action", "summary", "changes"], history
        )
        counts["flights"]["created"] = len(created_ids)
        counts["flights"]["updated"] = len(history) - len(created_ids)
        counts["flights"]["unchanged"] = len(set(flight_ids)) - len(history)
        return counts

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
        """aircraft_key → (aircraft id, seats, type id) for every leg whose aircraft is known."""
        first: dict[str, LegRow] = {}
        hexes: set[str] = set()
        for leg in self.legs.values():
            if leg.tail:
                first.setdefault(leg.tail, leg)
            elif leg.icao24:
                hexes.add(leg.icao24)
        existing = {}
        for chunk in chunks(list(first), 2000):
            existing.update(
                (a.registration, a)
                for a in Aircraft.objects.filter(registration__in=chunk).select_related(
                    "aircraft_type"
                )
            )
        hexes |= {leg.icao24 for leg in first.values() if leg.icao24}
        by_hex = {}
        for chunk in chunks(sorted(hexes), 2000):
            by_hex.update(
                (a.icao24, a)
                for a in Aircraft.objects.filter(icao24__in=chunk).select_related("aircraft_type")
            )
        new, changed = [], []
        for tail, leg in first.items():
            plane = existing.get(tail)
            type_id = types.get(leg.ac_type, (None, None))[0]
            operator_id = operators.get(leg.operator.lower()) if leg.operator else None
            hex_free = bool(leg.icao24) and (
                leg.icao24 not in by_hex
                or (plane is not None and by_hex[leg.icao24].pk == plane.pk)
            )
            if leg.icao24 and not hex_free:
                self.report.warn(
                    f"line {leg.line}: ICAO address {leg.icao24} belongs to "
                    f"{by_hex[leg.icao24].registration}, not {tail}: not recorded"
                )
            if plane is None:
                plane = Aircraft(
                    registration=tail,
                    icao24=leg.icao24 if hex_free else None,
                    aircraft_type_id=type_id,
                    operator_id=operator_id,
                )
                new.append(plane)
                if hex_free:
                    by_hex[leg.icao24] = plane
                continue
            # Fill what is missing; never overwrite what a person recorded.
            dirty = False
            if hex_free and not plane.icao24:
                plane.icao24, dirty = leg.icao24, True
                by_hex[leg.icao24] = plane
            if type_id and not plane.aircraft_type_id:
                plane.aircraft_type_id, dirty = type_id, True
            if operator_id and not plane.operator_id:
                plane.operator_id, dirty = operator_id, True
            if dirty:
                changed.append(plane)
        Aircraft.objects.bulk_create(new, batch_size=2000)
        if changed:
            Aircraft.objects.bulk_update(changed, ["icao24", "aircraft_type", "operator"])
        counts.update(
            created=len(new), updated=len(changed), unchanged=len(first) - len(new) - len(changed)
        )
        seats_of_type = {pk: seats for pk, seats in types.values()}
        result = {}
        for tail in first:
            plane = existing.get(tail)
            if plane is None:
                continue
            result["reg:" + tail] = (plane.pk, _seats(plane, seats_of_type), plane.aircraft_type_id)
        for plane in new:
            result["reg:" + plane.registration] = (
                plane.pk,
                _seats(plane, seats_of_type),
                plane.aircraft_type_id,
            )
        for hex_code, plane in by_hex.items():
            result.setdefault(
                "hex:" + hex_code, (plane.pk, _seats(plane, seats_of_type), plane.aircraft_type_id)
            )
        return result

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
