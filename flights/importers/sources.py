"""What an upload is before it is a CSV file: gzip, zip, xlsx or UTF-16 (docs/imports.md).

`plain_csv(path)` gives a path to a UTF-8 (or Windows-1252) CSV file with the upload's rows:
the file itself when it already is one, else a temporary file written by streaming the upload
through its decoder, so memory stays bounded whatever the size. Everything after this reads
one kind of file, with the fast split-on-delimiter path and the parallel reader intact.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import gzip
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ImportFailed

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
COPY_CHUNK = 1 << 20


def _head(path: Path, size: int = 4) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


@contextmanager
def plain_csv(path: Path, warn, members: MemberLines | None = None) -> Iterator[Path]:
    """The upload as a CSV file on disk (see the module docstring); `warn(message)` is told
    what was unpacked, and `members`, when given, where each member of a zip stands in the file
    its members are joined into. Temporary files are removed when the block ends."""
    head = _head(path)
    if head.startswith(GZIP_MAGIC):
        with _temporary() as out:
            try:
                with gzip.open(path, "rb") as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, COPY_CHUNK)
            except (OSError, EOFError) as exc:
                raise ImportFailed(f"the gzip file cannot be unpacked: {exc}") from None
            warn("read from a gzip file")
            with plain_csv(out, warn, members) as inner:
                yield inner
        return
    if head.startswith(ZIP_MAGIC):
        with _temporary() as out:
            _unzip(path, out, warn, members if members is not None else MemberLines())
            with plain_csv(out, warn) as inner:
                yield inner
        return
    if head.startswith(UTF16_BOMS):
        with _temporary() as out:
            _transcode(path, out)
            warn("read as UTF-16")
            yield out
        return
    yield path


_LINE = re.compile(r"\bline (\d+)\b")


class MemberLines:
    """Where each member of a zip upload stands in the one file its members are joined into:
    a joined line number becomes the member's name and the line within that member, so every
    message points into the file the person has (docs/imports.md, "Zip files")."""

    def __init__(self):
        self._starts: list[int] = []  # joined line of each member's first line after its header
        self._members: list[tuple[str, int]] = []  # (member name, that line's number in it)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def add(self, joined_line: int, name: str, member_line: int) -> None:
        self._starts.append(joined_line)
        self._members.append((name, member_line))

    def locate(self, line: int) -> tuple[str, int]:
        """(member name, line within it) of a line of the joined file (line 1: the header,
        the first member's)."""
        i = max(bisect.bisect_right(self._starts, line) - 1, 0)
        name, first = self._members[i]
        return name, first + line - self._starts[i]

    def place(self, text: str) -> str:
        """`text` with every "line N" of the joined file said as `line n of "member"`."""

        def one(match: re.Match) -> str:
            name, line = self.locate(int(match[1]))
            return f'line {line} of "{name}"'

        return _LINE.sub(one, text) if self._starts else text


@contextmanager
def _temporary() -> Iterator[Path]:
    handle = tempfile.NamedTemporaryFile(prefix="tracker-import-", suffix=".csv", delete=False)
    handle.close()
    out = Path(handle.name)
    try:
        yield out
    finally:
        out.unlink(missing_ok=True)


def _transcode(path: Path, out: Path) -> None:
    try:
        with open(path, encoding="utf-16", newline="") as src:
            with open(out, "w", encoding="utf-8", newline="") as dst:
                shutil.copyfileobj(src, dst, COPY_CHUNK)
    except UnicodeError as exc:
        raise ImportFailed(f"the file starts as UTF-16 but is not: {exc.reason}") from None


def _unzip(path: Path, out: Path, warn, members: MemberLines) -> None:
    """An .xlsx workbook (a zip with xl/workbook.xml) becomes its first sheet's rows; any
    other zip is its members one after the other, each a file whose header must match;
    `members` is told where each one starts."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportFailed(f"the zip file cannot be read: {exc}") from None
    with archive:
        names = archive.namelist()
        if "xl/workbook.xml" in names:
            write_xlsx_as_csv(path, out)
            warn("read from the first sheet of an Excel workbook")
            return
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not Path(info.filename).name.startswith((".", "__MACOSX"))
        ]
        if not infos:
            raise ImportFailed("the zip file holds no file")
        header = None
        line = 2  # the joined file's next line: its line 1 is the first member's header
        with open(out, "wb") as dst:
            for info in infos:
                header, before, lines = _append_member(archive, info, dst, header)
                members.add(line, info.filename, before + 1)
                line += lines
        listed = ", ".join(info.filename for info in infos)
        warn(f"read from the zip file's members, in this order: {listed}")


_BLANK = b"\xef\xbb\xbf \t\r\n"


def _append_member(archive: zipfile.ZipFile, info, dst, header: bytes | None):
    """Copy one member after the others; its header line is written once, for the first.
    Returns (header, lines of the member up to its header, lines written after it)."""
    with archive.open(info) as src:
        first = src.readline()
        before = 1
        while first and not first.strip(_BLANK):
            first, before = src.readline(), before + 1
        if header is None:
            header = first
            dst.write(first)
        elif first.strip(_BLANK) != header.strip(_BLANK):
            raise ImportFailed(
                f'zip member "{info.filename}" has another header than the first member; '
                "send files of different layouts as separate imports"
            )
        if not first.endswith(b"\n"):
            dst.write(b"\n")
        lines, last = _copy_counting_lines(src, dst)
        dst.write(b"\n")  # a member whose last line has no line break
    # That break ends the last line, or stands as a blank line of its own; after a lone
    # carriage return it joins it into one line end.
    return header, before, lines + (last != b"\r")


def _copy_counting_lines(src, dst) -> tuple[int, bytes]:
    """Copy src to dst; (line ends copied, as the CSV reader counts them: \n, \r\n or a lone
    \r; the last byte copied)."""
    ends, last = 0, b""
    while chunk := src.read(COPY_CHUNK):
        ends += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if last == b"\r" and chunk[:1] == b"\n":
            ends -= 1  # a \r\n cut between two chunks
        last = chunk[-1:]
        dst.write(chunk)
    return ends, last


def cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV would hold: whole floats without `.0`, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def xlsx_rows(path: Path, reader: str = "calamine") -> Iterator[list[str]]:
    """The first sheet's rows as lists of text (see CALAMINE_MAX_BYTES for which reader)."""
    if reader == "stream":
        from .xlsx import SheetError, stream_rows

        try:
            for row in stream_rows(path):
                yield [cell_text(value) for value in row]
        except SheetError as exc:
            raise ImportFailed(f"the Excel workbook cannot be read: {exc}") from None
        return
    if reader == "openpyxl":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
            raise ImportFailed(f"the Excel workbook cannot be read: {exc}") from None
        try:
            for row in wb.worksheets[0].iter_rows(values_only=True):
                yield [cell_text(value) for value in row]
        finally:
            wb.close()
        return
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportFailed(f"the Excel workbook cannot be read: {exc}") from None
    for row in sheet.iter_rows():
        yield [cell_text(value) for value in row]


# calamine holds the whole sheet while it hands out rows (909 MB peak for a 24 MB workbook of
# 200,000 rows; docs/benchmarks.md, "Excel readers"). Bigger workbooks are streamed row by row
# from the sheet's XML (xlsx.py) in flat memory: openpyxl's read-only mode streams too, but
# took 4.6 times the CPU time on the same workbook (docs/benchmarks.md, 2026-12-02).
CALAMINE_MAX_BYTES = 4 * 1024 * 1024


def write_xlsx_as_csv(path: Path, out: Path) -> None:
    reader = "calamine" if path.stat().st_size <= CALAMINE_MAX_BYTES else "stream"
    with open(out, "w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst, lineterminator="\n")
        for cells in xlsx_rows(path, reader=reader):
            writer.writerow(cells)
