"""Station logs: one row per aircraft visit at one airport (DATA.md §3, docs/imports.md).

`--station CODE` names the airport. A visit is a flight: previous airport → station → next
airport, or the aircraft's route of the day when the row gives one (`AEX-MSP-OMA-AEX`), with
the station's arrival time on the leg that lands there, its departure time and the people who
boarded on the leg that leaves it, and the people who got off on the leg that landed.
"""

from __future__ import annotations

import datetime as dt

from flights.choices import Basis, FlightKind
from flights.exports import MISSION_REF_PREFIX
from flights.models import Airport

from .base import clip
from .columns import CellError, read_date, read_local_time, read_method, read_whole
from .errors import ImportFailed
from .flightlog import FlightlogImporter, LegRow, _bounded_key

COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("day", "flight_date"),
    "previous_airport": ("previous", "origin", "from", "prev_airport", "arrived_from"),
    "next_airport": ("next", "destination", "to", "departed_to"),
    "arrive": ("arrival", "arrival_time", "arrived", "arr_time"),
    "depart": ("departure", "departure_time", "departed", "dep_time"),
    "registration": ("reg", "tail_number", "tail"),
    "callsign": ("flight_number", "flight"),
    "operator": ("airline", "carrier"),
    "people_on": ("detainees_on", "from_nwdc_boarded_plane", "boarded", "people_boarded"),
    "people_off": ("detainees_off", "from_plane_boarded_bus_to_nwdc", "deplaned"),
    "people_on_method": ("count_method_(detainees_on)", "count_method", "method"),
    "people_off_method": ("count_method_(detainees_off)",),
    "route": ("aircraft_route_(day)", "day_route", "route_of_the_day"),
    "source_url": ("tracking", "link", "url"),
    "notes": ("observations", "comments", "note"),
}
UNKNOWN_PEOPLE = {"?", "unknown", "n/a", "na", "-", "none seen"}


class StationlogImporter(FlightlogImporter):
    format = "stationlog"
    columns = COLUMNS
    required = ("date",)

    def start(self, index: dict[str, int]) -> None:
        self.index = index
        code = (self.run.station or "").strip()
        if not code:
            raise ImportFailed("a station log needs its airport: give --station CODE")
        station = Airport.objects.resolve(code)
        if station is None:
            raise ImportFailed(f'unknown station airport code "{clip(code, 20)}"')
        self.station, self.station_tz = station.pk, station.tz

    def _cell(self, cells: list[str], name: str) -> str:
        pos = self.index.get(name)
        return cells[pos].strip() if pos is not None and pos < len(cells) else ""

    def row(self, line: int, cells: list[str]) -> None:
        get = lambda name: self._cell(cells, name)  # noqa: E731 - read as a column accessor
        errors: list[tuple[str, str, str]] = []
        day = None
        try:
            day = read_date(get("date"), excel=True) if get("date") else None
            if day is None:
                errors.append(("date", "", "missing date"))
        except CellError as exc:
            errors.append(("date", get("date"), str(exc)))
        times = {}
        for col in ("arrive", "depart"):
            raw = get(col)
            if raw and day is not None:
                try:
                    times[col] = self._time(raw, day)
                except CellError as exc:
                    errors.append((col, raw, str(exc)))
        people = {}
        for col in ("people_on", "people_off"):
            raw = get(col)
            if raw and raw.lower() not in UNKNOWN_PEOPLE:
                try:
                    people[col] = read_whole(raw)
                except CellError as exc:
                    errors.append((col, raw, str(exc)))
        stops, error = self._stops(get)
        if error:
            errors.append(error)
        if errors:
            self.report.reject(line, errors)
            return
        self._visit(line, day, stops, times, people, get)

    def groups(self):
        """A visit's legs are one flight, in the order of its route (most have no times)."""
        by_visit: dict[str, list[LegRow]] = {}
        for leg in sorted(self.legs.values(), key=lambda leg: leg.order):
            by_visit.setdefault(leg.mission, []).append(leg)
        return [(_bounded_key(MISSION_REF_PREFIX, key), legs) for key, legs in by_visit.items()]

    def _time(self, raw: str, day: dt.date) -> dt.datetime:
        """ISO 8601 with Z or an offset, else a clock time local to the station."""
        if "T" in raw:
            try:
                moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                raise CellError(f'unreadable time "{raw}": use ISO 8601 or HH:MM') from None
            if moment.tzinfo is None:
                raise CellError(f'time "{raw}" has no offset: add Z or +hh:mm')
            return moment.astimezone(dt.UTC)
        return read_local_time(raw, day, self.station_tz)

    def _stops(self, get) -> tuple[list[int], tuple | None]:
        """The airports of the visit in flying order, with the station in them."""
        route = get("route")
        if route:
            codes = [code.strip() for code in route.replace("–", "-").split("-") if code.strip()]
            ids = [self.airports.resolve(code) for code in codes]
            missing = [code for code, pk in zip(codes, ids, strict=True) if pk is None]
            if missing:
                return [], ("route", route, f'unknown airport code "{clip(missing[0], 20)}"')
            if self.station in ids and len(ids) >= 2:
                return ids, None
            return [], ("route", route, "the route of the day does not pass the station")
        stops = []
        for col in ("previous_airport", "next_airport"):
            code = get(col)
            if not code:
                stops.append(None)
                continue
            pk = self.airports.resolve(code)
            if pk is None:
                return [], (col, code, f'unknown airport code "{clip(code, 20)}"')
            stops.append(pk)
        ids = [pk for pk in (stops[0], self.station, stops[1]) if pk is not None]
        if len(ids) < 2:
            return [], ("previous_airport", "", "neither the previous nor the next airport given")
        return ids, None

    def _visit(self, line, day, stops, times, people, get) -> None:
        tail = get("registration").upper().replace(" ", "")[:10]
        callsign = get("callsign").upper().replace(" ", "")[:12]
        who = tail or callsign or f"line{line}"
        mission = f"station:{self.airports.icao_of(self.station)}:{day.isoformat()}:{who}"
        methods = {col: get(f"{col}_method") for col in ("people_on", "people_off")}
        notes = "; ".join(
            part
            for part in (
                get("notes"),
                *(f"{col.replace('_', ' ')} counted as: {text}" for col, text in methods.items()
                  if text),
            )
            if part
        )  # fmt: skip
        at = stops.index(self.station)
        for pos, (dep, arr) in enumerate(zip(stops, stops[1:], strict=False)):
            if dep == arr:
                continue
            leg = LegRow()
            leg.line, leg.date, leg.dep, leg.arr = line, day, dep, arr
            leg.dep_time = times.get("depart") if pos == at else None
            leg.arr_time = times.get("arrive") if pos == at - 1 else None
            leg.tail, leg.icao24, leg.callsign = tail, "", callsign
            leg.operator = " ".join(get("operator").split())[:120]
            leg.ac_type, leg.kind, leg.mission = "", FlightKind.UNKNOWN, mission
            col = "people_on" if pos == at else "people_off" if pos == at - 1 else ""
            leg.pax = people.get(col) if col else None
            leg.basis = ""
            if leg.pax is not None:
                leg.basis = read_method(methods[col]) or Basis.REPORTED
            leg.source_url = get("source_url")[:500]
            if not leg.source_url.lower().startswith(("http://", "https://")):
                leg.source_url = ""
            leg.notes = notes
            leg.aircraft_key = ("reg:" + tail) if tail else ("cs:" + callsign if callsign else "")
            when = f"{leg.dep_time:%H:%M}" if leg.dep_time else ""
            body = (
                f"{leg.aircraft_key or mission}|{day.isoformat()}|{self.airports.icao_of(dep)}"
                f"|{self.airports.icao_of(arr)}|{when}"
            )
            leg.key = _bounded_key("", body)
            earlier = self.legs.get(leg.key)
            leg.order = earlier.order if earlier is not None else len(self.legs)
            self.legs[leg.key] = leg
        self.report.accepted += 1
