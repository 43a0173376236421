"""What every importer shares: reading a CSV file, its report, the `Importer` (runs.py runs one
as an `ImportRun`).

Reading (DATA.md): UTF-8 with or without a byte-order mark, else Windows-1252; any line ending;
comma, semicolon or tab detected from the header; header names compared ignoring case, spaces,
`_`, `-`, `#` and `.`; line numbers count physical lines, header = line 1, blank lines counted
but never rows.

Running: the file is read and every row validated first, outside any transaction (progress and
a heartbeat are saved as it goes); then everything is written in ONE transaction. A worker
killed at any point therefore leaves all of the run's data or none of it, and the run itself
is marked failed by the reaper (or restarted when Celery redelivers the task).
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.utils import timezone

from flights.models import Airport, ImportRun, RejectedRow

from .errors import ImportFailed

log = logging.getLogger(__name__)

# One field may be long (notes), but a runaway quote must not swallow the whole file unnoticed.
csv.field_size_limit(16 * 1024 * 1024)

REJECT_BATCH = 1000
PROGRESS_EVERY_SECONDS = 1.0
MAX_WARNINGS = 500
VALUE_LIMIT = 200
_HEADER_STRIP = re.compile(r"[\s_\-#.]+")


def normalise_header(name: str) -> str:
    return _HEADER_STRIP.sub("", name or "").lower()


def header_lookup(columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised header name → canonical column; a canonical name beats another's alias."""
    lookup = {}
    for canonical, aliases in columns.items():
        for alias in aliases:
            lookup.setdefault(normalise_header(alias), canonical)
    for canonical in columns:
        lookup[normalise_header(canonical)] = canonical
    return lookup


def column_index(
    header: list[str], columns: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Map canonical column names to positions. Returns (index, unknown, repeated).

    A column named by its canonical name wins over one named by an alias of it, wherever they
    stand (a `Day` column must not beat `Date`); otherwise the first of a repeated name is used.
    """
    lookup = header_lookup(columns)
    index: dict[str, int] = {}
    exact: set[str] = set()
    unknown, repeated = [], []
    for pos, raw in enumerate(header):
        key = normalise_header(raw)
        canonical = lookup.get(key)
        if canonical is None:
            if raw.strip() and not _PANDAS_UNNAMED.match(raw.strip()):
                unknown.append(raw.strip())
            continue
        is_exact = key == normalise_header(canonical)
        if canonical not in index or (is_exact and canonical not in exact):
            if canonical in index:
                repeated.append(header[index[canonical]].strip())
            index[canonical] = pos
            if is_exact:
                exact.add(canonical)
        else:
            repeated.append(raw.strip())
    return index, unknown, repeated


# pandas writes its index column with an empty name, and unnamed columns as "Unnamed: 9".
_PANDAS_UNNAMED = re.compile(r"^Unnamed: \d+$")


def sniff_delimiter(header_line: str) -> str:
    """Comma unless the header has more semicolons, tabs or pipes (outside quotes) than commas."""
    counts = {",": 0, ";": 0, "\t": 0, "|": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def count_lines(path: Path) -> int:
    """Physical lines in the file (fast, binary), for the progress bar's total."""
    newlines = carriage = 0
    last = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(4 << 20):
            newlines += chunk.count(b"\n")
            if not newlines:  # carriage returns count only in a file without a line feed
                carriage += chunk.count(b"\r")
            last = chunk[-1:]
    lines = newlines if newlines else carriage
    if last and last not in (b"\n", b"\r"):
        lines += 1
    return lines


# A text file holds no NUL or other control bytes; a few stray ones are rejected with their
# lines (_records), but a head that is one part in a hundred of them is a binary file (or
# UTF-16 without its mark).
BINARY_SHARE = 0.01
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32)])


def check_readable(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as exc:
        raise ImportFailed(f"cannot open the file: {exc.strerror or exc}") from None
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFailed("the file is empty")
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head and control > len(head) * BINARY_SHARE:
        raise ImportFailed("the file is not a CSV text file (it contains NUL bytes)")


class CsvFile:
    """A CSV file in one encoding: its header, then its rows as (line number, cells, error).

    `fields`, when given, is how many leading cells of a row the reader looks at: a line
    without quotes is then split only that far (its last cell holds the rest of the line), so
    the 18 columns ARTS never reads are not cut apart a million times. A line with a quote
    character, a NUL or a huge field goes through the csv module as a whole record (with the
    lines that continue it), cut to the same shape.
    """

    def __init__(self, path: Path, encoding: str, is_header=None):
        self.path = path
        self.encoding = encoding
        # is_header(cells): whether a line names the importer's columns; lines above the first
        # that does are label rows (up to LABEL_ROWS of them), skipped with a warning.
        self.is_header = is_header
        self.header: list[str] = []
        self.header_line = 0
        self.label_lines: list[int] = []
        self.delimiter = ","
        self.ended = False  # a part read to its PART_END (see part_rows)

    def _text(self, raw):
        errors = "strict" if self.encoding.startswith("utf-8") else "replace"
        return io.TextIOWrapper(raw, encoding=self.encoding, errors=errors, newline="")

    def _find_header(self) -> int:
        """How many physical lines come before the header line."""
        with open(self.path, "rb") as raw:
            seen = 0
            candidates: list[int] = []
            for text in self._text(raw):
                seen += 1
                if not text.strip():
                    continue
                if self.is_header is None:
                    return seen - 1
                candidates.append(seen - 1)
                try:
                    cells = next(csv.reader([text], delimiter=sniff_delimiter(text)))
                except (csv.Error, StopIteration):
                    cells = []
                if self.is_header(cells) or len(candidates) > LABEL_ROWS:
                    break
        if not candidates:
            raise ImportFailed("the file is empty")
        found = candidates[-1]
        if self.is_header is not None and not self.is_header(cells):
            found = candidates[0]  # no line names our columns: the header check says which
        self.label_lines = [n + 1 for n in candidates if n < found]
        return found

    @contextmanager
    def lines(self) -> Iterator[Iterator[str]]:
        """Read the header (blank lines and label rows before it are skipped) and give the lines
        after it."""
        before = self._find_header()
        with open(self.path, "rb") as raw:
            text = self._text(raw)
            for _ in range(before):
                next(text)
            first = next(text)
            if "\x00" in first:
                raise ImportFailed(f"line {before + 1}: the header contains a NUL byte")
            self.delimiter = sniff_delimiter(first)
            reader = csv.reader(itertools.chain([first], text), delimiter=self.delimiter)
            try:
                self.header = [cell.strip() for cell in next(reader)]
            except csv.Error as exc:
                raise ImportFailed(
                    f"line {before + 1}: the header cannot be read ({exc})"
                ) from None
            self.header_line = before + reader.line_num
            yield text

    def rows(self, lines: Iterator[str], fields: int = 0):
        """(line, cells, error) of every record after the header (see lines())."""
        return _records(lines, self.header_line, self.delimiter, fields, width=len(self.header))

    def part_rows(
        self, start: int, end: int, lines_before: int, last: bool, fields: int = 0
    ) -> Iterator[tuple[int, list[str] | None, str]]:
        """rows() of the bytes [start, end) of the file, which hold no header and begin on line
        `lines_before` + 1. Unless this is the `last` part, a PART_END line is read after its
        bytes; `ended` tells whether it came back as a record of its own, that is whether the
        part ends between two records (see parallel.py)."""
        with open(self.path, "rb") as raw:
            raw.seek(start)
            text = self._text(io.BufferedReader(_Slice(raw, end), buffer_size=1 << 20))
            lines = text if last else itertools.chain(text, [PART_END + "\n"])
            self.ended = last
            yield from _records(
                lines, lines_before, self.delimiter, fields, self, width=len(self.header)
            )


# A line no CSV file holds: when it comes back as a row of its own, the part before it ended
# between two records; inside a field, it ended within a quoted value.
PART_END = "\u2063part-end-8f3b1c\u2063"


LABEL_ROWS = 5
# A quoted value may run over several lines, but not over this many (or it swallows the file).
MAX_QUOTED_LINES = 200
NUL_ERROR = "the line contains a NUL byte, which no text value holds"
OPEN = object()  # a record whose quoted value is still open at the end of its text


def _parse(text: str, delimiter: str):
    """The cells of `text` as one record, or OPEN when a quote in it is not closed."""
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":
            return OPEN
    # Only strict mode minds text after a closing quote ('"a"b'): read it as csv does.
    return next(csv.reader([text], delimiter=delimiter), [])


def _looks_like_row(text: str, delimiter: str, width: int) -> bool:
    """Whether a line that would continue an open quoted value is rather a row of its own: it
    has a whole row's delimiters before any quote that could close the value."""
    if width < 2:
        return False
    quote = text.find('"')
    return (text if quote < 0 else text[:quote]).count(delimiter) >= width - 1


def _records(
    lines: Iterator[str],
    offset: int,
    delimiter: str,
    fields: int = 0,
    part=None,
    width: int = 0,
) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line, cells, error) of each record in `lines`, which `offset` lines came before; the
    records csv.reader gives, except that a quote left open never swallows what follows
    (docs/imports.md, "Quotes"): a line whose quote is not closed before a line that looks like
    a row (`width` cells) or before the end of the file is an error, and reading goes on with the
    next line. A line with a NUL is an error. Blank records are skipped. Reading a `part`, a
    PART_END record ends it and marks the part `ended`."""
    limit = csv.field_size_limit()
    split = fields if fields > 0 else -1
    line = offset
    source = iter(lines)
    pending = None
    while True:
        if pending is not None:
            text, pending = pending, None
        else:
            text = next(source, None)
            if text is None:
                return
        line += 1
        start = line
        if "\x00" in text:
            yield start, None, NUL_ERROR
            continue
        if '"' in text or len(text) > limit:
            try:
                cells = _parse(text, delimiter)
                error = ""
                if cells is OPEN:
                    cells, error, pending, line = _open_quote(
                        text, source, delimiter, width, line, limit
                    )
            except csv.Error as exc:
                cells, error = None, str(exc)
            if cells is None:
                yield start, None, error
                continue
            if not cells or not any(cell.strip() for cell in cells):
                continue
            if fields > 0:
                cells = cells[: fields + 1]
        else:
            body = text.rstrip("\r\n")
            cells = body.split(delimiter, split)
            if not cells[0].strip() and not body.replace(delimiter, "").strip():
                continue
        if part is not None and len(cells) == 1 and cells[0] == PART_END:
            part.ended = True
            return
        yield start, cells, ""


def _open_quote(text, source, delimiter, width, line, limit):
    """Read on after a line whose quote is open: (cells, "", pending line, line) when a later
    line closes it, else (None, error, the line to read next, line)."""
    parts = [text]
    size = len(text)
    while True:
        more = next(source, None)
        if more is None:
            return (
                None,
                "a quote opened on this line is not closed by the end of the file",
                None,
                line,
            )
        if _looks_like_row(more, delimiter, width) or "\x00" in more:
            return (
                None,
                f"a quote opened on this line is not closed before line {line + 1}, which is "
                "read as a row of its own",
                more,
                line,
            )
        line += 1
        parts.append(more)
        size += len(more)
        if len(parts) > MAX_QUOTED_LINES or size > limit:
            return (
                None,
                f"a quote opened on this line is not closed within {len(parts)} lines",
                None,
                line,
            )
        cells = _parse("".join(parts), delimiter)
        if cells is not OPEN:
            return cells, "", None, line


class _Slice(io.RawIOBase):
    """The bytes of an open file from where it stands up to `end`."""

    def __init__(self, raw, end: int):
        self.raw = raw
        self.left = end - raw.tell()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            return 0
        data = self.raw.read(min(len(buffer), self.left))
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


class AirportCodes:
    """Every airport code in memory once per run: the DATA.md code rule without a query per row."""

    def __init__(self):
        self.icao: dict[str, int] = {}
        self.iata: dict[str, int] = {}
        self.lid: dict[str, int] = {}
        self.info: dict[int, tuple[str, str, str, float, float]] = {}
        for pk, icao, iata, lid, country, lat, lon in Airport.objects.order_by("-id").values_list(
            "id", "icao", "iata", "lid", "country_id", "latitude", "longitude"
        ):
            # Descending id: the lowest id wins a shared IATA or LID code, as resolve() does.
            self.icao[icao] = pk
            if iata:
                self.iata[iata] = pk
            if lid:
                self.lid[lid] = pk
            self.info[pk] = (icao, lid or iata or icao, country, lat, lon)
        self._cache: dict[str, int | None] = {}
        # A short code read as another airport is printed as ICAO, as Airport.code does.
        for pk, (icao, short, country, lat, lon) in self.info.items():
            if self.resolve(short) != pk:
                self.info[pk] = (icao, icao, country, lat, lon)

    def resolve(self, code: str) -> int | None:
        """Airport id for a code, as Airport.objects.resolve() reads it."""
        try:
            return self._cache[code]
        except KeyError:
            pass
        key = code.strip().upper()
        found = None
        if key:
            if len(key) == 4:
                found = self.icao.get(key)
            if found is None and len(key) == 3:
                found = self.iata.get(key)
            if found is None:
                found = self.lid.get(key)
        self._cache[code] = found
        return found

    def tz_of(self, pk: int) -> str:
        """The airport's time zone name (loaded on first use: most files need none; no format
        that needs it is read by forked processes)."""
        if not hasattr(self, "_tz"):
            self._tz = dict(Airport.objects.exclude(tz="").values_list("id", "tz"))
        return self._tz.get(pk, "")

    def icao_of(self, pk: int) -> str:
        return self.info[pk][0]

    def code_of(self, pk: int) -> str:
        return self.info[pk][1]

    def country_of(self, pk: int) -> str:
        return self.info[pk][2]

    def position(self, pk: int) -> tuple[float, float]:
        return self.info[pk][3], self.info[pk][4]


_NAME_NOISE = re.compile(r"[^a-z0-9 ]+")
_GENERIC_WORDS = {"international", "intl", "airport", "aeropuerto", "the", "of", "de", "del"}


def _name_words(value: str, generic: bool = False) -> str:
    words = _NAME_NOISE.sub(" ", value.lower()).split()
    return " ".join(w for w in words if generic or w not in _GENERIC_WORDS)


class AirportNames:
    """Airports found by name, city and country (ARTS rows whose code is redacted).

    Only airports with an IATA code are candidates (ARTS flies to airports with airline
    service). Loaded on first use. A name matches when its words equal an airport's, or else
    when they do without generic ones ("International", "Airport"); failing that, a city with
    exactly one such airport in that country (or anywhere, when the country is not given or
    not known)."""

    def __init__(self):
        self._names: dict[str, int | None] | None = None
        self._cities: dict[tuple[str, str], int | None] = {}
        self._countries: dict[str, str] = {}
        self._found: dict[tuple[str, str, str], int | None] = {}

    def load(self) -> None:
        from flights.models import Country

        self._names = {}
        for pk, name, city, country, iata in Airport.objects.values_list(
            "id", "name", "city", "country_id", "iata"
        ):
            if not iata:
                continue  # ARTS flies to airports with airline service; it keeps 00TT out
            # A name two airports share names neither; the full name is tried first.
            for key in {_name_words(name, generic=True), "~" + _name_words(name)}:
                self._names[key] = None if key in self._names else pk
            if city:
                for place in ((_name_words(city), country), (_name_words(city), "")):
                    self._cities[place] = None if place in self._cities else pk
        for code, name, alpha3 in Country.objects.values_list("code", "name", "alpha3"):
            self._countries[_name_words(name)] = code
            self._countries[alpha3.lower()] = code
            self._countries[code.lower()] = code
        self._countries.update({"usa": "US", "united states": "US", "us": "US"})

    def find(self, name: str, city: str, country: str) -> int | None:
        key = (name, city, country)
        if key in self._found:
            return self._found[key]
        if self._names is None:
            self.load()
        found = None
        if name:
            found = self._names.get(_name_words(name, generic=True)) or self._names.get(
                "~" + _name_words(name)
            )
        if found is None and city:
            code = self._countries.get(_name_words(country), "") if country else ""
            found = self._cities.get((_name_words(city), code))
        self._found[key] = found
        return found


def clip(value: str, limit: int = VALUE_LIMIT) -> str:
    """A value cut for a message or a rejected row; no NUL ever reaches the database."""
    value = (value or "").replace("\x00", "\\0")
    return value if len(value) <= limit else value[: limit - 1] + "…"


class Report:
    """Counts, warnings and rejected rows of a run; rejects go to the database in batches."""

    def __init__(self, run: ImportRun):
        self.run = run
        self.rows = self.accepted = self.duplicates = self.rejected = 0
        self.warnings: list[str] = []
        self._dropped_warnings = 0
        self._pending: list[RejectedRow] = []
        self._last_progress = time.monotonic()
        self.column_names: dict[str, str] = {}
        # A zip's members joined into one file (sources.MemberLines): messages name the member.
        self.members = None

    def reset(self) -> None:
        RejectedRow.objects.filter(run=self.run).delete()
        members = self.members
        self.__init__(self.run)
        self.members = members

    def place(self, message: str) -> str:
        """The message with its line numbers said as lines of the zip member they are in."""
        return self.members.place(message) if self.members else message

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(self.place(message).replace("\x00", "\\0"))
        else:
            self._dropped_warnings += 1

    def _in_member(self, line: int, message: str) -> tuple[int, str]:
        if not self.members:
            return line, message
        name, member_line = self.members.locate(line)
        return member_line, f'zip member "{name}", line {member_line}: {self.place(message)}'

    def reject(self, line: int, errors: list[tuple[str, str, str]]) -> None:
        """One rejected row, with every (column, value, message) found wrong in it."""
        self.rejected += 1
        joined = line
        for column, value, message in errors:
            line, message = self._in_member(joined, message)
            self._pending.append(
                RejectedRow(
                    run=self.run,
                    line=line,
                    column=clip(self.column_names.get(column, column), 100),
                    value=clip(value),
                    message=clip(message, 500),
                )
            )
        if len(self._pending) >= REJECT_BATCH:
            self.flush()

    def add_rejected(self, rows: list[tuple[int, str, str, str]]) -> None:
        """Rejected rows already counted and clipped elsewhere (a reading process)."""
        for joined, column, value, message in rows:
            line, message = self._in_member(joined, message)
            self._pending.append(
                RejectedRow(
                    run=self.run, line=line, column=column, value=value, message=clip(message, 500)
                )
            )
        if len(self._pending) >= REJECT_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            RejectedRow.objects.bulk_create(self._pending)
            self._pending = []

    def progress(self) -> None:
        """Save progress and the heartbeat at most once a second."""
        if time.monotonic() - self._last_progress < PROGRESS_EVERY_SECONDS:
            return
        self._last_progress = time.monotonic()
        self.flush()
        ImportRun.objects.filter(pk=self.run.pk).update(
            rows_done=self.rows, heartbeat_at=timezone.now()
        )

    def all_warnings(self) -> list[str]:
        if self._dropped_warnings:
            return [*self.warnings, f"… and {self._dropped_warnings} more warnings"]
        return list(self.warnings)


class QuietReport(Report):
    """The report of a pass after the first: everything was counted and reported already."""

    def reject(self, line, errors) -> None:
        self.rejected += 1

    def warn(self, message: str) -> None:
        pass

    def add_rejected(self, rows) -> None:
        pass

    def flush(self) -> None:
        pass

    def progress(self) -> None:
        pass


def add_counts(total: dict, more: dict) -> dict:
    """Sum two `objects` summaries ({kind: {created: n, ...}})."""
    for kind, numbers in more.items():
        for name, n in numbers.items():
            total.setdefault(kind, {}).setdefault(name, 0)
            total[kind][name] += n
    return total


class Importer:
    """One data source: `columns` (canonical name → aliases), `required`, `row()`, `write()`."""

    format: str = ""
    columns: dict[str, tuple[str, ...]] = {}
    required: tuple[str, ...] = ()

    def __init__(self, run: ImportRun, report: Report):
        self.run = run
        self.report = self.main_report = report
        self.airports = AirportCodes()
        self.pass_number, self.pass_count = 0, 1

    def reset(self) -> None:
        """Forget everything read so far (the file is read again in another encoding)."""

    def start(self, index: dict[str, int]) -> None:
        self.index = index

    def row(self, line: int, cells: list[str]) -> None:
        raise NotImplementedError

    def finish_reading(self) -> None:
        """Called after the last row of each pass, before its write."""

    def passes(self, path: Path) -> int:
        """How many times the file is read and written (see ArtsImporter.passes)."""
        return 1

    def begin_pass(self, number: int, count: int) -> None:
        """Before reading the file for pass `number` of `count`: rows, rejected rows and
        warnings are reported in pass 0 only, later passes only gather what they write."""
        self.pass_number, self.pass_count = number, count
        self.report = QuietReport(self.run) if number else self.main_report

    def finish_writing(self) -> None:
        """Called once after the last pass's write, inside the write transaction."""

    # Importers whose reading state merges (parallel = True) may read big files in parts.
    parallel = False

    def part_state(self):
        """What reading one part gathered, to be merged in file order by merge_part()."""
        raise NotImplementedError

    def merge_part(self, state) -> None:
        raise NotImplementedError

    def write(self) -> dict[str, dict[str, int]]:
        raise NotImplementedError

    def read_blocks(self, path: Path, encoding: str) -> bool:
        """Read the file a block at a time, if this importer can and the file allows it; False
        when it is for the row-by-row readers (runs.read_file)."""
        return False

    def read(self, path: Path, encoding: str) -> None:
        """Read the whole file in this process (runs.read_file reads a big one in parts)."""
        source = CsvFile(path, encoding, self.is_header)
        with source.lines() as lines:
            self.check_header(source)
            self.consume(source.rows(lines, self.fields_read()))
        if not self.report.rows:
            self.report.warn("the file has a header but no rows")
        self.report.flush()
        self.finish_reading()

    def is_header(self, cells: list[str]) -> bool:
        """Whether a line is the header: it names every required column, or three known ones."""
        lookup = self._lookup = getattr(self, "_lookup", None) or header_lookup(self.columns)
        cells = self.mapped_header(cells)
        named = {lookup.get(normalise_header(cell)) for cell in cells} - {None}
        return set(self.required) <= named or len(named) >= 3

    def fields_read(self) -> int:
        """How many leading cells of a row row() reads (0: all of them); see CsvFile."""
        return 0

    def consume(self, rows) -> None:
        """Count and check every (line, cells, error) of `rows`, saving progress as it goes."""
        report = self.report
        row = self.row
        done = report.rows
        for line, cells, error in rows:
            done += 1
            if cells is None:
                report.reject(line, [("", "", f"the line cannot be read as CSV: {error}")])
            else:
                row(line, cells)
            if not done & 0x3FF:
                report.rows = done
                report.progress()
        report.rows = done

    def mapped_header(self, header: list[str]) -> list[str]:
        """The header as the run's column mapping profile renames it: a mapped column gets its
        field's canonical name, an ignored one no name (docs/imports.md, "Column mapping")."""
        profile = self.run.profile
        if profile is None:
            return header
        mapping = {normalise_header(k): v for k, v in profile.mapping.items()}
        return [mapping.get(normalise_header(cell), cell) for cell in header]

    def check_header(self, source: CsvFile) -> None:
        for number in source.label_lines:
            self.report.warn(f"line {number}: a label row above the header, skipped")
        index, unknown, repeated = column_index(self.mapped_header(source.header), self.columns)
        missing = [name for name in self.required if name not in index]
        if missing:
            wanted = "; ".join(
                f"{name} (or {', '.join(self.columns[name])})" if self.columns[name] else name
                for name in missing
            )
            raise ImportFailed(f"line {source.header_line}: the header has no column for {wanted}")
        if unknown:
            self.report.warn(f"unknown columns ignored: {', '.join(unknown)}")
        if repeated:
            self.report.warn(f"repeated columns ignored (the first is used): {', '.join(repeated)}")
        self.report.column_names = {name: source.header[pos] for name, pos in index.items()}
        self.start(index)
