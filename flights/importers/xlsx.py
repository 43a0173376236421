"""An .xlsx workbook's first sheet, streamed row by row from its XML in bounded memory.

The sheet is parsed with the standard library's C XML parser (ElementTree.iterparse) and each
row is dropped once handed out, so memory holds one row, the shared-strings table (one entry
per distinct text in the workbook) and the cell styles, whatever the number of rows. Values
come out as openpyxl's read-only mode gives them (str, int, float, bool, datetime), which
sources.cell_text turns into CSV text. Measured against openpyxl and python-calamine in
docs/benchmarks.md ("Excel workbooks in bounded memory"): openpyxl's read-only mode streams too
but spends 4.6 times the CPU on the same sheet; calamine is fast but holds the whole sheet.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Excel's built-in number formats that show a date or a time (ECMA-376 part 1, 18.8.30).
DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_COLUMN = re.compile(r"[A-Z]+")


class SheetError(ValueError):
    """The workbook is not a readable .xlsx."""


def stream_rows(path: Path) -> Iterator[list]:
    """Each row of the first sheet as a list of values, row 1 first; a row the sheet skips
    comes out empty, so row numbers stay the sheet's."""
    try:
        with zipfile.ZipFile(path) as book:
            sheet, strings_path, styles_path, epoch = _parts(book)
            strings = _shared_strings(book, strings_path)
            dates = _date_styles(book, styles_path)
            with book.open(sheet) as xml:
                yield from _rows(xml, strings, dates, epoch)
    except (KeyError, ParseError, zipfile.BadZipFile, IndexError, ValueError) as exc:
        raise SheetError(str(exc) or type(exc).__name__) from None


def _parts(book: zipfile.ZipFile) -> tuple[str, str, str, dt.datetime]:
    """(first sheet, shared strings, styles) member names and the workbook's date epoch."""
    targets, by_type = {}, {}
    with book.open("xl/_rels/workbook.xml.rels") as xml:
        for _, el in iterparse(xml):
            if el.tag == RELS + "Relationship":
                target = el.get("Target", "")
                name = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[el.get("Id")] = posixpath.normpath(name)
                by_type[el.get("Type", "").rsplit("/", 1)[-1]] = targets[el.get("Id")]
    first, epoch = None, WINDOWS_EPOCH
    with book.open("xl/workbook.xml") as xml:
        for _, el in iterparse(xml):
            if el.tag == MAIN + "workbookPr" and el.get("date1904") in ("1", "true"):
                epoch = MAC_EPOCH
            elif el.tag == MAIN + "sheet" and first is None:
                first = el.get(DOC_RELS + "id")
    return (
        targets[first],
        by_type.get("sharedStrings", "xl/sharedStrings.xml"),
        by_type.get("styles", "xl/styles.xml"),
        epoch,
    )


def _shared_strings(book: zipfile.ZipFile, name: str) -> list[str]:
    if name not in book.namelist():
        return []
    strings = []
    with book.open(name) as xml:
        for _, el in iterparse(xml):
            if el.tag == MAIN + "si":
                strings.append(_text(el))
                el.clear()
    return strings


def _text(el) -> str:
    """A string item's text: its own <t>, or its rich-text runs' (phonetic hints left out)."""
    parts = []
    for child in el:
        if child.tag == MAIN + "t":
            parts.append(child.text or "")
        elif child.tag == MAIN + "r":
            parts.extend(t.text or "" for t in child.iter(MAIN + "t"))
    return "".join(parts)


def _date_styles(book: zipfile.ZipFile, name: str) -> set[int]:
    """The indexes of the cell styles whose number format shows a date or time."""
    if name not in book.namelist():
        return set()
    custom, formats, in_xfs = {}, [], False
    with book.open(name) as xml:
        for event, el in iterparse(xml, events=("start", "end")):
            if el.tag == MAIN + "cellXfs":
                in_xfs = event == "start"
            elif event == "end" and el.tag == MAIN + "numFmt":
                code = _LITERALS.sub("", el.get("formatCode", "")).lower()
                custom[int(el.get("numFmtId", "0"))] = any(ch in code for ch in "dyhs")
            elif event == "end" and el.tag == MAIN + "xf" and in_xfs:
                formats.append(int(el.get("numFmtId", "0")))
    return {i for i, fmt in enumerate(formats) if custom.get(fmt, fmt in DATE_FORMATS)}


def _rows(xml, strings: list[str], dates: set[int], epoch: dt.datetime) -> Iterator[list]:
    row_tag, data_tag = MAIN + "row", MAIN + "sheetData"
    data, number = None, 0
    for event, el in iterparse(xml, events=("start", "end")):
        if event == "start":
            if el.tag == data_tag:
                data = el
            continue
        if el.tag != row_tag:
            continue
        at = int(el.get("r") or number + 1)
        while number + 1 < at:  # rows the sheet leaves out are empty rows
            number += 1
            yield []
        number = at
        yield _cells(el, strings, dates, epoch)
        if data is not None:
            data.clear()  # the row handed out is dropped: memory stays one row


def _cells(row, strings: list[str], dates: set[int], epoch: dt.datetime) -> list:
    values: list = []
    for cell in row:
        ref = cell.get("r")
        if ref:
            column = _column(ref)
            values.extend([None] * (column - len(values)))
        values.append(_value(cell, strings, dates, epoch))
    return values


def _column(ref: str) -> int:
    """The 0-based column of a cell reference such as `AB12`."""
    number = 0
    for letter in _COLUMN.match(ref)[0]:
        number = number * 26 + ord(letter) - 64
    return number - 1


def _value(cell, strings: list[str], dates: set[int], epoch: dt.datetime):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        found = cell.find(MAIN + "is")
        return _text(found) if found is not None else ""
    v = cell.find(MAIN + "v")
    if v is None or v.text is None:
        return None
    text = v.text
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text == "1"
    if kind in ("str", "e", "d"):
        return text
    number = float(text) if any(ch in text for ch in ".eE") else int(text)
    if int(cell.get("s", "0")) in dates:
        return from_excel(number, epoch)  # openpyxl's own reading of a serial
    return number
