"""ICE ARTS passenger records (FOIA): one row per person per mission (DATA.md §2).

Only counts are kept: per mission and pickup/drop-off segment, how many people, removals,
transfers, juveniles and struck, and how many per country of citizenship. The rows are
aggregated while the file streams past; no row, ID or personal column is ever held beyond the
row being counted, let alone stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import operator
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from flights.choices import Basis, FlightKind, SourceKind
from flights.dates import window_error
from flights.models import (
    CitizenshipCount,
    Country,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    PassengerSegment,
    Source,
)

from .base import AirportNames, CsvFile, Importer, clip
from .bulk import (
    BinaryRows,
    chunks,
    copy_binary_rows,
    insert_records,
    insert_rows,
    insert_rows_returning_ids,
    postgres,
    rows_matching,
    update_rows,
)
from .columns import is_redacted, parse_date

DATA = Path(__file__).resolve().parent.parent / "data" / "arts_countries.csv"
ARTS_COLUMNS = (
    "Status, Sex, Convictions, GangMember, ClassLvl, Age, MissionDate, MissionNumber, PULOC, "
    "DropLoc, StrikeFromList, ReasonStruck, R-T, Code, CountryOfCitizenship, Juvenile, "
    "MissionWeek, MissionQuarter, MissionYear, MissionMonth, Criminality, FamilyUnitFlag, "
    "UnaccompaniedFlag, AlienMasterID, MissionID, air_AirportID, air_AirportName, air_City, "
    "st_StateID, st_StateAbbr, AOR_AORID, AOR_AOR, AOR_AORName, air_Country, air2_AirportID, "
    "air2_AirportName, air2_City, st2_StateID, st2_StateAbbr, aor2_AORID, aor2_AOR, "
    "aor2_AORName, air2_Country"
).split(", ")
# The 47-column installments begin with these, redacted; they are never read (docs/imports.md).
PERSON_COLUMNS = ("ANumber", "LastName", "FirstName", "DOB")
# The research community's 52-column output adds these.
RESEARCH_COLUMNS = (
    "air_LatitudeDecimalDegrees", "air_LongitudeDecimalDegrees", "air2_LatitudeDecimalDegrees",
    "air2_LongitudeDecimalDegrees", "NonCriminal",
)  # fmt: skip
# Every released column is known (so none is reported as unknown); only USED are read.
COLUMNS: dict[str, tuple[str, ...]] = {
    name: () for name in (*PERSON_COLUMNS, *ARTS_COLUMNS, *RESEARCH_COLUMNS)
}
USED = (
    "MissionID",
    "MissionNumber",
    "MissionDate",
    "PULOC",
    "DropLoc",
    "R-T",
    "Juvenile",
    "StrikeFromList",
    "CountryOfCitizenship",
    "air_AirportName",
    "air_City",
    "air_Country",
    "air2_AirportName",
    "air2_City",
    "air2_Country",
)
# Columns that give the pickup and drop-off airport by name when the code does not.
NAME_COLUMNS = {
    "PULOC": ("air_AirportName", "air_City", "air_Country"),
    "DropLoc": ("air2_AirportName", "air2_City", "air2_Country"),
}
BOOLEANS = {
    "true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
    "1": True, "0": False, "1.0": True, "0.0": False, "t": True, "f": False,
}  # fmt: skip
# R-T as released (docs/imports.md): True removal, False transfer, None not given, NOT_FLOWN
# listed but did not fly (counted with the struck).
NOT_FLOWN = "not flown"
RT_VALUES = {
    "": None, "r": True, "removal": True, "t": False, "transfer": False,
    "cbp": False,  # a transfer ICE flew on behalf of CBP
    "ineligible": NOT_FLOWN, "no-show": NOT_FLOWN, "noshow": NOT_FLOWN, "no show": NOT_FLOWN,
}  # fmt: skip
NO_COUNTRY = "(not given)"
# A valid row of a mission that another pass gathers (ArtsImporter.passes).
ELSEWHERE = object()
# A segment whose pickup or drop-off code says nothing: found by the row's airport names.
BY_NAME = object()
CORRECTIONS = Path(__file__).resolve().parent.parent / "data" / "arts_airport_corrections.csv"
# Counters of a segment: people, removals, transfers, juveniles, struck.
PEOPLE, REMOVALS, TRANSFERS, JUVENILES, STRUCK = range(5)
SEGMENT_FIELDS = ("people", "removals", "transfers", "juveniles", "struck", "airports_basis")
# A row's segment in a numpy array (_count_block): its index in _seg_list, or one of these.
REJECTED, ELSEWHERE_CODE, BY_NAME_CODE = -1, -2, -3
# A row's valid flags as one number: (removal True/False/None) * 4 + juvenile * 2 + struck.
FLAG_VALUES = [(removal, juvenile, struck) for removal in (True, False, None)
               for juvenile in (False, True) for struck in (False, True)]  # fmt: skip
# What a row of each flag code adds to its segment's counters (indexed as PEOPLE … STRUCK):
# a struck person did not fly, so is counted apart and not as a removal, transfer or juvenile.
FLAG_COUNTS = np.array(
    [
        [1, removal is True and not struck, removal is False and not struck,
         juvenile and not struck, struck]
        for removal, juvenile, struck in FLAG_VALUES
    ],
    dtype=np.int64,
).T  # fmt: skip
MISSIONS_PER_BATCH = 2000  # about 60,000 citizenship counts
# What a mission sets on its flight (ArtsImporter._flight_values), compared on a re-import.
FLIGHT_FIELDS = (
    "date", "callsign", "kind", "pax_count", "pax_min", "pax_max", "pax_basis", "pax_method",
    "origin_id", "destination_id", "destination_country_id",
)  # fmt: skip
ROUTE_FIELDS = ("origin_id", "destination_id", "destination_country_id")


def country_codes() -> dict[str, str]:
    """ARTS spelling → ISO code: our table of ARTS spellings, then names and codes we know."""
    codes = {}
    for code, name, alpha3 in Country.objects.values_list("code", "name", "alpha3"):
        codes[name.upper()] = code
        if alpha3:
            codes[alpha3.upper()] = code
    try:
        import pycountry

        for c in pycountry.countries:
            codes.setdefault(c.name.upper(), c.alpha_2)
            if hasattr(c, "official_name"):
                codes.setdefault(c.official_name.upper(), c.alpha_2)
    except ImportError:  # pragma: no cover - pycountry is a dependency
        pass
    with open(DATA, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            codes[row["arts_name"].strip().upper()] = row["iso_code"].strip().upper()
    known = set(Country.objects.values_list("code", flat=True))
    return {name: code for name, code in codes.items() if code in known}


def load_corrections() -> dict[str, tuple[str, str]]:
    """Bad airport codes seen in released files → (the right ICAO code or "" for junk, why)."""
    with open(CORRECTIONS, newline="", encoding="utf-8") as fh:
        return {
            row["code"].strip().upper(): (row["correct"].strip().upper(), row["why"].strip())
            for row in csv.DictReader(fh)
        }


class Mission:
    __slots__ = ("number", "date", "line", "segments")

    def __init__(self, number: str, date: dt.date, line: int):
        self.number, self.date, self.line = number, date, line
        # (pickup id, dropoff id) → [people, removals, transfers, juveniles, struck, Counter]
        self.segments: dict[tuple[int, int], list] = {}


class ArtsImporter(Importer):
    format = "arts"
    columns = COLUMNS
    required = ("MissionID", "MissionDate", "PULOC", "DropLoc")

    def __init__(self, run, report):
        super().__init__(run, report)
        self.reset()

    parallel = True
    # Read by read_blocks: nothing is forked, so airport names load when a row needs them.
    in_blocks = False

    def reset(self) -> None:
        self.forget_missions()
        # mission id → (the first line that gave it another date or number, its first line)
        self.conflicts: dict[str, tuple[int, int]] = {}
        self.unknown: Counter = Counter()  # country spellings we have no code for → people
        self.source = None
        self.corrections = load_corrections()
        self.corrected: set[str] = set()
        self.inferred: Counter = Counter()  # segments whose airport was found by its name
        self.airport_names = AirportNames()
        self._resolved: dict[str, int | None] = {}  # airport code → id (_resolve)
        self._days: dict[str, tuple] = {}  # date cell → (date, problem) (_day)

    def forget_missions(self) -> None:
        self.missions: dict[str, Mission] = {}
        # Rows repeat the same few values endlessly: each distinct (mission, date, pickup,
        # drop-off) and each distinct (R-T, Juvenile, StrikeFromList) is validated once.
        self._segments: dict[tuple, list | tuple | object] = {}
        self._flags: dict[tuple, tuple] = {}
        self._countries: dict[str, str] = {}
        self._named: dict[tuple, list | tuple | object] = {}
        self._seg_list: list[list] = []  # the segments _count_block met, by their code
        self._seg_index: dict[int, int] = {}

    def passes(self, path: Path) -> int:
        """Memory follows the missions a file holds, so a big file is read in several passes,
        each gathering and writing only the missions whose id hashes to it."""
        return max(1, -(-path.stat().st_size // settings.IMPORT_ARTS_PASS_BYTES))

    def begin_pass(self, number: int, count: int) -> None:
        super().begin_pass(number, count)
        self.forget_missions()

    def start(self, index: dict[str, int]) -> None:
        super().start(index)
        self.pos = {name: index.get(name) for name in USED}
        for name in ("R-T", "Juvenile", "StrikeFromList", "CountryOfCitizenship"):
            if self.pos[name] is None:
                self.report.warn(f"no {name} column: counted as not given")
        # Only the first `fields` cells of a row are read (fields_read); an absent optional
        # column reads an always-empty cell added after them and the rest of the line.
        self.fields = max(p for p in self.pos.values() if p is not None) + 1
        missing = any(p is None for p in self.pos.values())
        blank = self.fields + 1
        self.width = blank + 1 if missing else self.fields
        self._seg_pos = [self.pos[n] for n in ("MissionID", "MissionDate", "PULOC", "DropLoc")]
        self._flag_pos = [
            blank if self.pos[n] is None else self.pos[n]
            for n in ("R-T", "Juvenile", "StrikeFromList")
        ]
        self._country_pos = self.pos["CountryOfCitizenship"]
        if self._country_pos is None:
            self._country_pos = blank
        self._number_pos = self.pos["MissionNumber"]
        # A million rows: each key is picked in one C call.
        self._segment_key = operator.itemgetter(*self._seg_pos)
        if not self.in_blocks and any(self._has_names(col) for col in NAME_COLUMNS):
            self.airport_names.load()  # here, before any reading process is forked
        names = [self.pos[n] for cols in NAME_COLUMNS.values() for n in cols]
        self._name_key = operator.itemgetter(*(blank if p is None else p for p in names))
        self._flag_key = operator.itemgetter(*self._flag_pos)
        # The same columns for _count_block, which reads an absent one as always empty.
        self._flag_block_pos = [self.pos[n] for n in ("R-T", "Juvenile", "StrikeFromList")]
        self._country_block_pos = self.pos["CountryOfCitizenship"]
        self._name_pos = [self.pos[n] for cols in NAME_COLUMNS.values() for n in cols]

    def fields_read(self) -> int:
        return self.fields

    def row(self, line: int, cells: list[str]) -> None:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        key = self._segment_key(cells)
        segment = self._segments.get(key)
        if segment is None:
            segment = self._segments[key] = self._check_segment(line, key, cells)
        if segment is BY_NAME:
            nkey = (*key, *self._name_key(cells))
            found = self._named.get(nkey)
            if found is None:
                before = self.inferred.copy()
                segment = self._check_segment(line, key, cells, by_name=True)
                found = self._named[nkey] = (segment, tuple((self.inferred - before).elements()))
                self.inferred = before
            segment = found[0]
            # Counted once per row: in the first pass, which reads every row (begin_pass).
            if not self.pass_number and (type(segment) is list or segment is ELSEWHERE):
                self.inferred.update(found[1])
        fkey = self._flag_key(cells)
        flags = self._flags.get(fkey)
        if flags is None:
            flags = self._flags[fkey] = self._check_flags(fkey)
        if type(segment) is tuple or len(flags) == 1:
            errors = []
            if type(segment) is tuple:
                errors += segment
            if len(flags) == 1:
                errors += flags[0]
            self.report.reject(line, errors)
            return
        if segment is ELSEWHERE:
            self.report.accepted += 1
            return
        removal, juvenile, struck = flags
        segment[PEOPLE] += 1
        if struck:
            # A struck person did not fly: counted apart, not as a removal, transfer or juvenile.
            segment[STRUCK] += 1
        else:
            segment[REMOVALS if removal else TRANSFERS] += removal is not None
            if juvenile:
                segment[JUVENILES] += 1
            segment[5][self._country_name(cells[self._country_pos])] += 1
        self.report.accepted += 1

    # --- big files: read in blocks by pyarrow (columnar.py) ---------------------------------

    def read_blocks(self, path: Path, encoding: str) -> bool:
        """Read the file a block at a time with pyarrow (docs/imports.md, "Big files: the
        columnar path"); False when it is for the row-by-row reader. Rows come out counted,
        rejected and warned about exactly as row() does it, one row after the other."""
        if not encoding.startswith("utf-8"):
            return False
        if path.stat().st_size < settings.IMPORT_COLUMNAR_MIN_BYTES:
            return False
        try:
            from . import columnar
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            return False
        source = CsvFile(path, encoding, self.is_header)
        with source.lines():  # the header, delimiter and label rows, as base.py reads them
            pass
        start = columnar.data_start(path, source.header_line)
        if start is None:
            return False
        self.in_blocks = True
        try:
            self.check_header(source)
        finally:
            self.in_blocks = False
        positions = sorted({p for p in self.pos.values() if p is not None})
        # The airport names are parsed only for blocks that need them (columnar._BlockReader).
        names = tuple(p for p in self._name_pos if p is not None)
        for part in columnar.blocks(source, start, positions, self.fields_read(), names):
            if isinstance(part, columnar.Block):
                self._count_block(part)
            else:
                self.consume(part)
        if not self.report.rows:
            self.report.warn("the file has a header but no rows")
        self.report.flush()
        self.finish_reading()
        columnar.release_memory()
        return True

    def _count_block(self, block) -> None:
        """row() for every row of a block, on each column's distinct values."""
        seg = _distinct([block.values(p) for p in self._seg_pos])
        named = self._check_block_segments(block, seg)
        row_seg = np.array([self._seg_code(self._segments[k]) for k in seg.keys])[seg.inverse]
        if named is not None:
            found = [self._named[k] for k in named.keys]
            row_seg[named.rows] = np.array([self._seg_code(f[0]) for f in found])[named.inverse]
            if not self.pass_number:  # as in row(): every row found by name, once
                for (segment, cols), n in zip(
                    found, np.bincount(named.inverse, minlength=len(found)).tolist(), strict=True
                ):
                    if cols and (type(segment) is list or segment is ELSEWHERE):
                        for col in cols:
                            self.inferred[col] += n
        flag = _distinct([block.values(p) for p in self._flag_block_pos])
        for key in flag.keys:
            if key not in self._flags:
                self._flags[key] = self._check_flags(key)
        flag_codes = [_flag_code(self._flags[key]) for key in flag.keys]
        row_flag = np.array(flag_codes, dtype=np.int64)[flag.inverse]
        bad = np.flatnonzero((row_seg == REJECTED) | (row_flag < 0))
        skipped = self._reject_block_rows(block, bad, seg, named, flag, row_flag)
        ok = (row_seg != REJECTED) & (row_flag >= 0)
        self.report.accepted += int(np.count_nonzero(ok))
        self._add_block_counts(block, row_seg, row_flag, ok & (row_seg >= 0))
        self.report.rows += block.rows - skipped
        self.report.progress()

    def _check_block_segments(self, block, seg):
        """_check_segment() for the block's new segment keys and, where a code says nothing,
        for its new (segment key, airport names), in the order row() meets them; the rows
        found by name, or None."""
        events = []
        by_name = np.zeros(len(seg.keys), dtype=bool)
        for u, key in enumerate(seg.keys):
            result = self._segments.get(key)
            if result is None:
                events.append((int(seg.first[u]), 0, u))
                by_name[u] = self._needs_names(key)
            else:
                by_name[u] = result is BY_NAME
        named = None
        rows = np.flatnonzero(by_name[seg.inverse])
        if len(rows):
            columns = [(seg.keys, seg.inverse[rows])]
            columns += [
                (values, index[rows]) for values, index in map(block.values, self._name_pos)
            ]
            named = _distinct(columns)
            named.rows = rows
            named.keys = [(*key[0], *key[1:]) for key in named.keys]
            events += [
                (int(rows[named.first[j]]), 1, j)
                for j, key in enumerate(named.keys)
                if key not in self._named
            ]
        for row, kind, u in sorted(events):
            line, cells = block.first_line + row, self._block_cells(block, row, kind)
            if kind == 0:
                self._segments[seg.keys[u]] = self._check_segment(line, seg.keys[u], cells)
                continue
            key = named.keys[u]
            before = self.inferred.copy()
            segment = self._check_segment(line, key[:4], cells, by_name=True)
            self._named[key] = (segment, tuple((self.inferred - before).elements()))
            self.inferred = before
        return named

    def _block_cells(self, block, row: int, by_name: bool) -> list[str]:
        """A row's cells as _check_segment() reads them: the mission number, and the airport
        names when it looks airports up `by_name` (the key's own cells come with the key)."""
        cells = [""] * self.width
        for pos in (self._number_pos, *(self._name_pos if by_name else ())):
            if pos is not None:
                values, index = block.values(pos)
                cells[pos] = values[index[row]]
        return cells

    def _seg_code(self, segment) -> int:
        """A segment as a number a numpy array holds: its index in _seg_list, or REJECTED,
        ELSEWHERE_CODE, BY_NAME_CODE."""
        if type(segment) is list:
            code = self._seg_index.get(id(segment))
            if code is None:
                code = self._seg_index[id(segment)] = len(self._seg_list)
                self._seg_list.append(segment)
            return code
        if type(segment) is tuple:
            return REJECTED
        return ELSEWHERE_CODE if segment is ELSEWHERE else BY_NAME_CODE

    def _reject_block_rows(self, block, bad, seg, named, flag, row_flag) -> int:
        """report.reject() each bad row in line order; how many were blank lines instead."""
        skipped = 0
        if not len(bad):
            return skipped
        ids, id_index = block.values(self.pos["MissionID"])
        for row in bad.tolist():
            if not ids[id_index[row]].strip() and block.is_blank(row):
                skipped += 1  # a line of delimiters only: no row (base.py)
                continue
            j = int(np.searchsorted(named.rows, row)) if named is not None else 0
            if named is not None and j < len(named.rows) and named.rows[j] == row:
                segment = self._named[named.keys[named.inverse[j]]][0]
            else:
                segment = self._segments[seg.keys[seg.inverse[row]]]
            errors = list(segment) if type(segment) is tuple else []
            if row_flag[row] < 0:
                errors += self._flags[flag.keys[flag.inverse[row]]][0]
            self.report.reject(block.first_line + row, errors)
        return skipped

    def _add_block_counts(self, block, row_seg, row_flag, counted) -> None:
        """Add the block's counted rows to their segments, grouped by (segment, flags) and by
        (segment, country) rather than one by one."""
        segments, flags = row_seg[counted], row_flag[counted]
        if len(segments):
            sums = [np.bincount(segments)] + [
                np.bincount(segments, weights=FLAG_COUNTS[i][flags]).astype(np.int64)
                for i in (REMOVALS, TRANSFERS, JUVENILES, STRUCK)
            ]
            found = np.flatnonzero(sums[PEOPLE])
            columns = [found.tolist(), *(total[found].tolist() for total in sums)]
            for code, *numbers in zip(*columns, strict=True):
                segment = self._seg_list[code]
                for i, n in enumerate(numbers):
                    segment[i] += n
        values, index = block.values(self._country_block_pos)
        names = [self._country_name(raw) for raw in values]
        name_ids = {name: i for i, name in enumerate(dict.fromkeys(names))}
        of_value = np.array([name_ids[name] for name in names], dtype=np.int64)
        flew = counted & (row_flag % 2 == 0)  # struck people have no country counted
        pairs, sizes = _tally(row_seg[flew] * len(name_ids) + of_value[index[flew]])
        if not len(pairs):
            return
        # The pairs come sorted, so each segment's countries are a run: one Counter.update of
        # a dict per segment (C), not a Python += per (segment, country).
        listed = list(name_ids)
        names = [listed[i] for i in (pairs % len(listed)).tolist()]
        codes = pairs // len(listed)
        starts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), len(pairs)]
        for code, a, b in zip(codes[starts[:-1]].tolist(), starts, starts[1:], strict=False):
            self._seg_list[code][5].update(dict(zip(names[a:b], sizes[a:b], strict=True)))

    def _country_name(self, raw: str) -> str:
        name = self._countries.get(raw)
        if name is None:
            name = self._countries[raw] = " ".join(raw.split()).upper()[:120] or NO_COUNTRY
        return name

    def _check_segment(
        self, line: int, key: tuple, cells: list[str], by_name: bool = False
    ) -> list | tuple | object:
        """The segment counters for a valid (mission, date, pickup, drop-off), else its errors;
        BY_NAME when an airport must be found from the row's airport name columns."""
        raw_id, raw_date, raw_pu, raw_do = (value.strip() for value in key)
        errors = []
        if not raw_id:
            errors.append(("MissionID", "", "missing mission id"))
        elif len(raw_id) > 50:
            errors.append(("MissionID", raw_id, "a mission id has at most 50 characters"))
        day, problem = self._day(raw_date)
        if problem:
            errors.append(("MissionDate", raw_date, problem))
        ends = []
        inferred = False
        for col, code in (("PULOC", raw_pu), ("DropLoc", raw_do)):
            pk = self._airport(line, code)
            if pk is None and not by_name and self._has_names(col):
                return BY_NAME
            if pk is None and by_name:
                pk = self._airport_by_name(col, cells)
                if pk is not None:
                    inferred = True
                    self.inferred[col] += 1
            if pk is None:
                errors.append((col, code, self._airport_error(col, code)))
            ends.append(pk)
        if errors:
            return tuple(errors)
        if self.pass_count > 1 and zlib.crc32(raw_id.encode()) % self.pass_count != (
            self.pass_number
        ):
            return ELSEWHERE
        number = cells[self._number_pos].strip() if self._number_pos is not None else ""
        mission = self.missions.get(raw_id)
        if mission is None:
            mission = self.missions[raw_id] = Mission(number, day, line)
        elif mission.date != day or mission.number != number:
            self.conflicts.setdefault(raw_id, (line, mission.line))
        pair = (ends[0], ends[1])
        segment = mission.segments.get(pair)
        if segment is None:
            segment = mission.segments[pair] = [0, 0, 0, 0, 0, Counter(), inferred]
        segment[6] = segment[6] or inferred
        return segment

    def _day(self, raw_date: str) -> tuple[dt.date | None, str]:
        """The mission date a cell gives and "", or None and why not (once per spelling: a
        file has a few thousand dates in a million rows)."""
        found = self._days.get(raw_date)
        if found is None:
            day = parse_date(raw_date, excel=True) if raw_date else None
            if day is None:
                problem = (
                    f'unreadable date "{raw_date}": use YYYY-MM-DD or M/D/YYYY'
                    if raw_date
                    else "missing date"
                )
            else:
                problem = window_error(day) or ""
            found = self._days[raw_date] = (None if problem else day, problem)
        return found

    def _airport(self, line: int, code: str) -> int | None:
        """The airport a code means, after the correction table (one warning per code)."""
        if not code or is_redacted(code):
            return None
        key = " ".join(code.split()).upper()
        if key in self.corrections:
            correct, why = self.corrections[key]
            if key not in self.corrected:
                self.corrected.add(key)
                if correct:
                    self.report.warn(
                        f'line {line}: airport code "{clip(key, 20)}" read as {correct} ({why}); '
                        "the same for every row with it"
                    )
        return self._resolve(code)

    def _resolve(self, code: str) -> int | None:
        """The airport a code means, as _airport() finds it but without its warning."""
        try:
            return self._resolved[code]
        except KeyError:
            pass
        found = None
        if code and not is_redacted(code):
            key = " ".join(code.split()).upper()
            if key in self.corrections:
                correct = self.corrections[key][0]
                found = self.airports.resolve(correct) if correct else None
            else:
                found = self.airports.resolve(key)
        self._resolved[code] = found
        return found

    def _needs_names(self, key: tuple) -> bool:
        """Whether _check_segment() gives BY_NAME for a segment key (it has no side effect)."""
        return any(
            self._resolve(code.strip()) is None and self._has_names(col)
            for col, code in (("PULOC", key[2]), ("DropLoc", key[3]))
        )

    def _airport_error(self, col: str, code: str) -> str:
        key = " ".join(code.split()).upper()
        if not code:
            return "missing airport code"
        if is_redacted(code):
            return "airport code redacted, and no known airport by the name given in the row"
        if key in self.corrections and not self.corrections[key][0]:
            return f'"{clip(key, 30)}" is not an airport code, and the row names no known airport'
        return f'unknown airport code "{code}"'

    def _has_names(self, col: str) -> bool:
        return self.pos[NAME_COLUMNS[col][0]] is not None

    def _airport_by_name(self, col: str, cells: list[str]) -> int | None:
        name, city, country = (
            cells[self.pos[c]].strip() if self.pos[c] is not None else "" for c in NAME_COLUMNS[col]
        )
        return self.airport_names.find(name, city, country)

    def part_state(self):
        return self.missions, self.conflicts, self.inferred, self.corrected

    def _merge_notes(self, inferred, corrected) -> None:
        self.inferred.update(inferred)
        self.corrected |= corrected

    def merge_part(self, state) -> None:
        """Add a later part of the file: the same as reading its rows after ours."""
        missions, conflicts, inferred, corrected = state
        if not self.pass_number:  # later passes' readers fork with the first pass's counts
            self._merge_notes(inferred, corrected)
        for mid, theirs in missions.items():
            mine = self.missions.get(mid)
            if mine is None:
                self.missions[mid] = theirs
                if mid in conflicts:
                    self.conflicts.setdefault(mid, conflicts[mid])
                continue
            if mine.date != theirs.date or mine.number != theirs.number:
                self.conflicts.setdefault(mid, (theirs.line, mine.line))
            elif mid in conflicts:
                self.conflicts.setdefault(mid, (conflicts[mid][0], mine.line))
            for pair, seg in theirs.segments.items():
                ours = mine.segments.get(pair)
                if ours is None:
                    mine.segments[pair] = seg
                else:
                    for i in range(5):
                        ours[i] += seg[i]
                    ours[5].update(seg[5])
                    ours[6] = ours[6] or seg[6]

    def finish_reading(self) -> None:
        # The caches hold every segment: let the write free them batch by batch.
        self._segments, self._flags, self._countries, self._named = {}, {}, {}, {}
        self._seg_list, self._seg_index = [], {}

    def finish_writing(self) -> None:
        for col, what in (("PULOC", "pickup"), ("DropLoc", "drop-off")):
            if self.inferred[col]:
                self.report.warn(
                    f"{self.inferred[col]} rows gave a redacted or unknown {what} code: the "
                    "airport was found by the airport name in the row and stored as inferred"
                )
        for mid, (line, first) in sorted(self.conflicts.items(), key=lambda item: item[1]):
            self.report.warn(
                f"line {line}: mission {mid} has another date or number than on line "
                f"{first}; the first is kept"
            )
        for name, n in sorted(self.unknown.items()):
            self.report.warn(
                f'unknown country spelling "{clip(name, 80)}" ({n} people): kept as written'
            )

    def _check_flags(self, fkey: tuple) -> tuple:
        """(removal: True/False/None, juvenile, struck), or a 1-tuple of errors."""
        raw_rt, raw_juv, raw_struck = (value.strip() for value in fkey)
        errors = []
        removal = RT_VALUES.get(" ".join(raw_rt.lower().split()), "?")
        if removal == "?":
            errors.append(
                (
                    "R-T",
                    raw_rt,
                    f'"{clip(raw_rt, 20)}" is not an R-T value: use R/Removal, T/Transfer, CBP, '
                    "Ineligible or No-show",
                )
            )
        values = []
        for col, raw in (("Juvenile", raw_juv), ("StrikeFromList", raw_struck)):
            if not raw or is_redacted(raw):
                values.append(False)
                continue
            flag = BOOLEANS.get(raw.lower())
            if flag is None:
                errors.append(
                    (
                        col,
                        raw,
                        f'not a yes/no value "{clip(raw, 20)}": use yes/no, true/false, Y/N or 1/0',
                    )
                )
            values.append(flag)
        if errors:
            return (tuple(errors),)
        if removal == NOT_FLOWN:
            return (None, values[0], True)
        return (removal, values[0], values[1])

    # --- writing -----------------------------------------------------------------------------

    def write(self) -> dict[str, dict[str, int]]:
        run = self.run
        actor = run.started_by_id
        counts = {
            "flights": {"created": 0, "updated": 0, "unchanged": 0},
            "passenger_segments": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0},
            "citizenship_counts": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0},
            "sources": {"created": 0, "updated": 0, "unchanged": 0},
        }
        # Rows rejected for their flags may have opened a segment they never counted in.
        for mid in list(self.missions):
            mission = self.missions[mid]
            mission.segments = {k: v for k, v in mission.segments.items() if v[PEOPLE]}
            if not mission.segments:
                del self.missions[mid]
        codes = country_codes()
        self._count_unknown_countries(codes)

        refs = {f"arts:{mid}": mid for mid in self.missions}
        stored = {
            row[0]: row[1:]
            for row in rows_matching(
                Flight, "external_ref", list(refs), ["external_ref", "id", *FLIGHT_FIELDS]
            )
        }
        # A flight the missions table gave legs keeps their route (missions.py): whichever file
        # came first, the route is the legs' and the people are the passenger records'.
        routed = {
            row[0]
            for row in rows_matching(
                Leg, "flight_id", sorted(row[0] for row in stored.values()), ["flight_id"]
            )
        }
        new_refs, new_records = [], []
        changed: dict[int, dict] = {}
        updates = []
        now = timezone.now()
        # New flights go in date order: appending to date indexes is cheaper (see flightlog).
        for ref, mid in sorted(refs.items(), key=lambda item: self.missions[item[1]].date):
            values = self._flight_values(self.missions[mid])
            row = stored.get(ref)
            if row is None:
                new_refs.append(ref)
                new_records.append(
                    {
                        "external_ref": ref,
                        "status": "reported",
                        "created_by_id": actor,
                        "updated_by_id": actor,
                        **values,
                    }
                )
                continue
            if row[0] in routed:
                for field in ROUTE_FIELDS:
                    values[field] = row[1 + FLIGHT_FIELDS.index(field)]
            diff = {
                field: [_plain(old), _plain(values[field])]
                for field, old in zip(FLIGHT_FIELDS, row[1:], strict=True)
                if old != values[field]
            }
            if diff:
                changed[row[0]] = diff
                updates.append((row[0], *(values[f] for f in FLIGHT_FIELDS), now, actor))
        created = insert_records(Flight, new_records)
        update_rows(Flight, [*FLIGHT_FIELDS, "updated_at", "updated_by_id"], updates)
        flight_of = {ref: row[0] for ref, row in stored.items()}
        flight_of.update(zip(new_refs, created, strict=True))

        # Segments and counts go in batches of missions, each batch's stored rows read and its
        # aggregates dropped as it is written: memory stays flat however big the file.
        seg_changed: set[int] = set()
        stored_ids = {row[0] for row in stored.values()}
        for part in chunks(list(refs.items()), MISSIONS_PER_BATCH):
            part_refs = dict(part)
            seg_changed |= self._write_segments(
                flight_of,
                part_refs,
                [flight_of[ref] for ref in part_refs if flight_of[ref] in stored_ids],
                codes,
                counts,
            )
            for mid in part_refs.values():
                del self.missions[mid]

        if self.source is None:  # once, whatever the passes
            self.source, made = Source.objects.get_or_create(
                kind=run.source_kind or SourceKind.FOIA,
                title=f"ICE ARTS passenger records: {run.file_name or run.url or run.pk}"[:300],
                url=run.url if len(run.url) <= 500 else "",
                defaults={"publisher": "U.S. Immigration and Customs Enforcement (FOIA release)"},
            )
            counts["sources"]["created" if made else "unchanged"] += 1
        source = self.source
        stored_ids = sorted(row[0] for row in stored.values())
        linked = {
            flight_id
            for flight_id, source_id in rows_matching(
                FlightSource, "flight_id", stored_ids, ["flight_id", "source_id"]
            )
            if source_id == source.pk
        }
        insert_rows(
            FlightSource,
            ["flight_id", "source_id", "note", "added_at"],
            [(pk, source.pk, "", now) for pk in flight_of.values() if pk not in linked],
        )

        label = f"import #{run.pk} ({run.file_name or run.url})"[:200]
        created_note = {"import_run": run.pk}
        history = [
            (pk, now, actor, "imported", f"Created by ARTS {label}", created_note) for pk in created
        ]
        for pk in sorted(set(changed) | (seg_changed - set(created))):
            changes = {"import_run": run.pk, "flight": changed.get(pk, {})}
            history.append((pk, now, actor, "import updated", f"Updated by ARTS {label}", changes))
        insert_rows(
            FlightChange, ["flight_id", "at", "actor_id", "action", "summary", "changes"], history
        )
        counts["flights"]["created"] = len(created)
        counts["flights"]["updated"] = len(history) - len(created)
        counts["flights"]["unchanged"] = len(flight_of) - len(history)
        return counts

    def _count_unknown_countries(self, codes: dict[str, str]) -> None:
        for mission in self.missions.values():
            for segment in mission.segments.values():
                for name, n in segment[5].items():
                    if name != NO_COUNTRY and name not in codes:
                        self.unknown[name] += n

    def _flight_values(self, mission: Mission) -> dict:
        flew = Counter()
        total = removals = 0
        for (pickup, _), seg in mission.segments.items():
            people = seg[PEOPLE] - seg[STRUCK]
            flew[pickup] += people
            total += people
            removals += seg[REMOVALS]
        drops = Counter()
        for (_, dropoff), seg in mission.segments.items():
            drops[dropoff] += seg[REMOVALS] if removals else seg[PEOPLE] - seg[STRUCK]
        origin = _most(flew) or next(iter(mission.segments))[0]
        destination = _most(drops) or next(iter(mission.segments))[1]
        return {
            "date": mission.date,
            "callsign": _mission_number(mission.number)[:12],
            "kind": FlightKind.REMOVAL if removals else FlightKind.DOMESTIC,
            "pax_count": total,
            "pax_min": None,
            "pax_max": None,
            "pax_basis": Basis.REPORTED,
            "pax_method": "ARTS: people listed, struck excluded",
            "origin_id": origin,
            "destination_id": destination,
            "destination_country_id": self.airports.country_of(destination),
        }

    def _write_segments(self, flight_of, refs, stored_ids, codes, counts) -> set[int]:
        """Upsert segments and citizenship counts; the file is the truth for its missions.

        Only flights that existed before this run can have stored segments to compare with;
        a new flight's segments and counts are all new, so nothing is read back for them.
        """
        changed_flights: set[int] = set()
        wanted: dict[tuple[int, int, int], list] = {}
        for ref, mid in refs.items():
            for (pickup, dropoff), seg in self.missions[mid].segments.items():
                wanted[(flight_of[ref], pickup, dropoff)] = seg
        existing = {
            (row[1], row[2], row[3]): row
            for row in rows_matching(
                PassengerSegment,
                "flight_id",
                stored_ids,
                ["id", "flight_id", "pickup_id", "dropoff_id", *SEGMENT_FIELDS],
            )
        }
        new_keys, new_rows, update, stale = [], [], [], []
        for key, row in existing.items():
            if key not in wanted:
                stale.append(row[0])
                changed_flights.add(key[0])
        for key, seg in wanted.items():
            row = existing.get(key)
            if row is None:
                new_keys.append(key)
                new_rows.append((*key, *_segment_values(seg)))
                changed_flights.add(key[0])
            elif tuple(row[4:]) != _segment_values(seg):
                update.append((row[0], *_segment_values(seg)))
                changed_flights.add(key[0])
            else:
                counts["passenger_segments"]["unchanged"] += 1
        for part in chunks(stale, 2000):
            PassengerSegment.objects.filter(id__in=part).delete()
        new_ids = insert_rows_returning_ids(
            PassengerSegment, ["flight_id", "pickup_id", "dropoff_id", *SEGMENT_FIELDS], new_rows
        )
        update_rows(PassengerSegment, list(SEGMENT_FIELDS), update)
        for name, n in (("created", new_rows), ("updated", update), ("deleted", stale)):
            counts["passenger_segments"][name] += len(n)

        segment_id = {key: row[0] for key, row in existing.items() if key in wanted}
        old_counts = {
            (sid, name): (pk, cc, n)
            for pk, sid, name, cc, n in rows_matching(
                CitizenshipCount,
                "segment_id",
                sorted(segment_id.values()),
                ["id", "segment_id", "reported_name", "country_id", "people"],
            )
        }
        old_segments = set(segment_id.values())
        segment_id.update(zip(new_keys, new_ids, strict=True))
        flight_by_segment = {pk: key[0] for key, pk in segment_id.items()}
        new_c = _CountRows(codes)
        update_c = []
        unchanged = 0
        for key, seg in wanted.items():
            sid = segment_id[key]
            if sid not in old_segments:  # a new segment: all its counts are new
                new_c.add_segment(sid, seg[5])
                continue
            for name, n in seg[5].items():
                code = codes.get(name)
                old = old_counts.pop((sid, name), None)
                if old is None:
                    new_c.add_segment(sid, {name: n})
                    changed_flights.add(key[0])
                elif old[1] != code or old[2] != n:
                    update_c.append((old[0], code, n))
                    changed_flights.add(key[0])
                else:
                    unchanged += 1
        # What is left in old_counts was not in the file this time.
        stale_c = [pk for pk, _, _ in old_counts.values()]
        changed_flights.update(flight_by_segment[sid] for sid, _ in old_counts)
        for part in chunks(stale_c, 2000):
            CitizenshipCount.objects.filter(id__in=part).delete()
        new_c.insert(old_segments)
        update_rows(CitizenshipCount, ["country_id", "people"], update_c)
        for name, n in (("updated", update_c), ("deleted", stale_c)):
            counts["citizenship_counts"][name] += len(n)
        counts["citizenship_counts"]["created"] += new_c.count
        counts["citizenship_counts"]["unchanged"] += unchanged
        return changed_flights


class _CountRows:
    """New citizenship counts, gathered for one COPY: on PostgreSQL as prebuilt binary rows
    (bulk.BinaryRows: a segment id, a country's name and code, a count each encoded once),
    elsewhere as tuples for insert_rows."""

    COLUMNS = ["segment_id", "reported_name", "country_id", "people"]

    def __init__(self, codes: dict[str, str]):
        self.codes = codes
        self.count = 0
        self.binary = postgres()
        self.rows = BinaryRows(len(self.COLUMNS)) if self.binary else None
        self.tuples: list[tuple] = []
        self.names: dict[str, bytes] = {}  # name → its name and code fields
        self.people: dict[int, bytes] = {}
        self.countries: set = set()
        self.sids: list[int] = []

    def add_segment(self, sid: int, people_by_name: dict[str, int]) -> None:
        self.count += len(people_by_name)
        if not self.binary:
            self.tuples += [
                (sid, name, self.codes.get(name), n) for name, n in people_by_name.items()
            ]
            return
        head = self.rows.head + BinaryRows.int8(sid)
        names, people, data = self.names, self.people, self.rows.data
        for name, n in people_by_name.items():
            fields = names.get(name)
            if fields is None:
                code = self.codes.get(name)
                self.countries.add(code)
                fields = names[name] = BinaryRows.text(name) + BinaryRows.text(code)
            count = people.get(n)
            if count is None:
                count = people[n] = BinaryRows.int4(n)
            data += head + fields + count
        self.rows.count = self.count
        self.sids.append(sid)

    def insert(self, old_segments: set) -> None:
        if not self.binary:
            insert_rows(CitizenshipCount, self.COLUMNS, self.tuples)
            return
        copy_binary_rows(
            CitizenshipCount,
            self.COLUMNS,
            self.rows,
            {"segment_id": set(self.sids) & old_segments, "country_id": self.countries},
        )


class Distinct:
    """The distinct rows of some columns: `keys` (tuples of values) in sorted order of their
    codes, `first` row of each, and `inverse`, each row's key index."""

    __slots__ = ("keys", "first", "inverse", "rows")


def _distinct(columns: list[tuple[list, np.ndarray]]) -> Distinct:
    """Distinct rows of columns given as (distinct values, each row's index into them)."""
    code = np.zeros(len(columns[0][1]), dtype=np.int64)
    span = 1
    for values, index in columns:
        if span * len(values) >= 1 << 62:  # renumber before the codes could overflow
            code = np.unique(code, return_inverse=True)[1].astype(np.int64)
            span = int(code.max()) + 1
        code = code * len(values) + index
        span *= len(values)
    found = Distinct()
    _, found.first, found.inverse = np.unique(code, return_index=True, return_inverse=True)
    picked = [[values[i] for i in index[found.first].tolist()] for values, index in columns]
    found.keys = list(zip(*picked, strict=True))
    return found


def _tally(codes: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The distinct codes (≥ 0), ascending, and how often each occurs: bincount while the codes
    are compact (it does not sort), np.unique when they are not."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64), []
    if int(codes.max()) < max(1 << 22, 8 * len(codes)):
        sizes = np.bincount(codes)
        found = np.flatnonzero(sizes)
        return found, sizes[found].tolist()
    found, sizes = np.unique(codes, return_counts=True)
    return found, sizes.tolist()


def _flag_code(flags: tuple) -> int:
    """_check_flags()'s answer as an index into FLAG_VALUES, -1 for errors."""
    if len(flags) == 1:
        return -1
    removal, juvenile, struck = flags
    return (
        (0 if removal is True else 1 if removal is False else 2) * 4
        + 2 * bool(juvenile)
        + bool(struck)
    )


def _mission_number(value: str) -> str:
    """`190053.0` (a republished float) is mission number 190053."""
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


def _segment_values(seg: list) -> tuple:
    """A segment's stored values, in SEGMENT_FIELDS order."""
    return (*seg[:5], Basis.INFERRED if seg[6] else Basis.REPORTED)


def _most(counter: Counter):
    best = [k for k, n in counter.most_common() if n > 0]
    return best[0] if best else None


def _plain(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
