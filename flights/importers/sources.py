"""What an upload is before it is a CSV file: gzip, zip, xlsx or UTF-16 (docs/imports.md).

`plain_csv(path)` gives a path to a UTF-8 (or Windows-1252) CSV file with the upload's rows:
the file itself when it already is one, else a temporary file written by streaming the upload
through its decoder, so memory stays bounded whatever the size. Everything after this reads
one kind of file, with the fast split-on-delimiter path and the parallel reader intact.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .base import ImportFailed

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
COPY_CHUNK = 1 << 20


def _head(path: Path, size: int = 4) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


@contextmanager
def plain_csv(path: Path, warn) -> Iterator[Path]:
    """The upload as a CSV file on disk (see the module docstring); `warn(message)` is told
    what was unpacked. Temporary files are removed when the block ends."""
    head = _head(path)
    if head.startswith(GZIP_MAGIC):
        with _temporary() as out:
            try:
                with gzip.open(path, "rb") as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, COPY_CHUNK)
            except (OSError, EOFError) as exc:
                raise ImportFailed(f"the gzip file cannot be unpacked: {exc}") from None
            warn("read from a gzip file")
            with plain_csv(out, warn) as inner:
                yield inner
        return
    if head.startswith(ZIP_MAGIC):
        with _temporary() as out:
            _unzip(path, out, warn)
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


def _unzip(path: Path, out: Path, warn) -> None:
    """An .xlsx workbook (a zip with xl/workbook.xml) becomes its first sheet's rows; any
    other zip is its members one after the other, each a file whose header must match."""
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
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not Path(info.filename).name.startswith((".", "__MACOSX"))
        ]
        if not members:
            raise ImportFailed("the zip file holds no file")
        header = None
        with open(out, "wb") as dst:
            for info in members:
                header = _append_member(archive, info, dst, header)
        listed = ", ".join(info.filename for info in members)
        warn(f"read from the zip file's members, in this order: {listed}")


def _append_member(archive: zipfile.ZipFile, info, dst, header: bytes | None) -> bytes:
    """Copy one member after the others; its header line is written once, for the first."""
    with archive.open(info) as src:
        first = src.readline()
        while first and not first.strip(b"\xef\xbb\xbf \t\r\n"):
            first = src.readline()
        if header is None:
            header = first
            dst.write(first)
        elif first.strip(b"\xef\xbb\xbf \t\r\n") != header.strip(b"\xef\xbb\xbf \t\r\n"):
            raise ImportFailed(
                f'zip member "{info.filename}" has another header than the first member; '
                "send files of different layouts as separate imports"
            )
        if not first.endswith(b"\n"):
            dst.write(b"\n")
        shutil.copyfileobj(src, dst, COPY_CHUNK)
        dst.write(b"\n")  # a member whose last line has no line break
    return header


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
# 200,000 rows; docs/benchmarks.md, "Excel readers"); openpyxl's read-only mode streams in flat
# memory but is many times slower. Small workbooks take the fast reader, big ones the bounded.
CALAMINE_MAX_BYTES = 4 * 1024 * 1024


def write_xlsx_as_csv(path: Path, out: Path) -> None:
    reader = "calamine" if path.stat().st_size <= CALAMINE_MAX_BYTES else "openpyxl"
    with open(out, "w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst, lineterminator="\n")
        for cells in xlsx_rows(path, reader=reader):
            writer.writerow(cells)
