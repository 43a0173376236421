"""Reading a big delimited file a block at a time with pyarrow's CSV reader (docs/imports.md,
"Big files: the columnar path").

pyarrow parses in C++ on every core and converts only the columns asked for, so the columns an
importer never reads (ARTS: the person columns among them) are not even turned into values.
It gives no line numbers, though, and reads a few things differently from the csv module, so
a block goes to pyarrow only when each of its records is one physical line and both readers
must agree on it:

- no NUL, no blank line, no line longer than the csv field limit, the header's number of cells
  on every line (pyarrow refuses the block otherwise): else this block is read row by row;
- no lone carriage return, and every quote encloses a whole cell on one line (`"a, b"`,
  `"a ""b"" c"`): else the rest of the file is read row by row, since a quote left open or a
  value over several lines may run on into the next block (base.py, "Quotes").

Blocks are cut at line breaks, so a block's rows are its physical lines in order and the row
at index i is line `first_line + i`. What is read row by row goes through base.py's reader,
exactly as a file read without this module.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .base import CsvFile, _records

# 2 MB: about 12,500 ARTS rows; bigger blocks hold more memory and were no faster.
BLOCK = 2 * 1024 * 1024
# Blocks parsed ahead, each in a thread of its own, while the caller counts one: with one,
# the counting waited for the parsing (docs/benchmarks.md). Each holds a block in memory.
PARSERS = 2
DICTIONARY = pa.dictionary(pa.int32(), pa.string())
BOM = b"\xef\xbb\xbf"


@dataclass
class Block:
    """Rows read by pyarrow: `values(pos)` gives a column as (distinct values, row indices)."""

    first_line: int
    raw: bytes
    table: pa.Table
    delimiter: str
    _values: dict = field(default_factory=dict)
    # The reader, which parses the columns it left out (`_BlockReader.later`) on first use.
    reader: _BlockReader | None = None
    later_used: bool = False

    @property
    def rows(self) -> int:
        return self.table.num_rows

    def values(self, pos: int | None) -> tuple[list[str], np.ndarray]:
        found = self._values.get(pos)
        if found is None:
            if pos is None:  # an absent optional column: an always-empty cell
                found = [""], np.zeros(self.rows, dtype=np.int32)
            else:
                name = f"c{pos}"
                if name not in self.table.column_names:
                    self.table = self.reader.add_later_columns(self)
                column = self.table.column(name)
                column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
                found = column.dictionary.to_pylist(), _indices(column)
            self._values[pos] = found
        return found

    def line_text(self, index: int) -> str:
        """The text of the block's `index`-th line (for the rare row that needs it)."""
        starts = getattr(self, "_starts", None)
        if starts is None:
            newlines = np.flatnonzero(np.frombuffer(self.raw, dtype=np.uint8) == 10)
            starts = self._starts = np.concatenate(([0], newlines + 1))
        end = starts[index + 1] if index + 1 < len(starts) else len(self.raw)
        return self.raw[starts[index] : end].decode("utf-8").rstrip("\r\n")

    def is_blank(self, index: int) -> bool:
        """Whether a line's cells are all blank (base.py skips such a line as no row)."""
        cells = next(csv.reader([self.line_text(index)], delimiter=self.delimiter), [])
        return not any(cell.strip() for cell in cells)


def _indices(column: pa.DictionaryArray) -> np.ndarray:
    """The column's dictionary indices as a numpy view of pyarrow's buffer. (to_numpy() would
    import pandas when it is installed: 0.6 s. The parse makes no nulls: empty cells are "".)"""
    indices = column.indices
    if indices.null_count:  # pragma: no cover - strings_can_be_null=False
        raise ValueError("a null in a dictionary column")
    data = np.frombuffer(indices.buffers()[1], dtype=np.int32)
    return data[indices.offset : indices.offset + len(indices)]


def data_start(path: Path, header_line: int) -> int | None:
    """Byte offset of the line after the header (`header_line` physical lines), or None when
    a lone carriage return ends a line before it (then lines are not counted by "\\n")."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    pos = len(BOM) if head.startswith(BOM) else 0
    for _ in range(header_line):
        newline = head.find(b"\n", pos)
        if newline < 0:
            return None
        pos = newline + 1
    if head.count(b"\r", 0, pos) != head.count(b"\r\n", 0, pos):
        return None
    return pos


def _line_pattern(delimiter: str) -> re.Pattern:
    d = re.escape(delimiter.encode())
    cell = rb'(?:[^"' + d + rb"\r\n]*|\"(?:[^\"\r\n]|\"\")*\")"
    return re.compile(cell + rb"(?:" + d + cell + rb")*\r?")


def _quotes_are_simple(block: bytes, delimiter: str, pattern: re.Pattern, scan: _Scan) -> bool:
    """Whether every line with a quote quotes whole cells only, and closes them on the line."""
    if _quotes_pair_up(scan, delimiter):
        return True
    at = block.find(b'"')
    while at >= 0:
        start = block.rfind(b"\n", 0, at) + 1
        end = block.find(b"\n", at)
        end = len(block) if end < 0 else end
        if pattern.fullmatch(block, start, end) is None:
            return False
        at = block.find(b'"', end)
    return True


def _quotes_pair_up(scan: _Scan, delimiter: str) -> bool:
    """The common case in numpy: quotes in pairs, each pair one whole cell on one line with
    no quote inside (`,"CHINA, PEOPLES REPUBLIC OF",`). False says "check line by line"."""
    data, newlines = scan.data, scan.newlines
    quotes = np.flatnonzero(data == 34)
    if len(quotes) % 2:
        return False
    opens, closes = quotes[0::2], quotes[1::2]
    d = ord(delimiter)
    before = data[np.maximum(opens - 1, 0)]
    after = data[np.minimum(closes + 1, len(data) - 1)]
    if not (
        np.all((before == d) | (before == 10) | (opens == 0))
        and np.all((after == d) | (after == 10) | (after == 13) | (closes == len(data) - 1))
    ):
        return False
    return bool(np.all(np.searchsorted(newlines, opens) == np.searchsorted(newlines, closes)))


class _Scan:
    """Where a block's line breaks are, found once in numpy: numpy lets go of the GIL where
    bytes.count() and `in` hold it, so the counting thread runs meanwhile."""

    def __init__(self, block: bytes):
        self.data = data = np.frombuffer(block, dtype=np.uint8)
        self.newlines = np.flatnonzero(data == 10)
        self.returns = np.flatnonzero(data == 13)

    def lone_return(self) -> bool:
        """Whether a carriage return is not followed by a line feed."""
        after = self.returns + 1
        if len(after) and after[-1] == len(self.data):
            return True
        return bool(np.any(self.data[after] != 10))

    def blank_line(self) -> bool:
        """Whether a line is empty: the block begins with a line break or has two in a row
        (`\\n\\n`, `\\n\\r\\n`)."""
        data, newlines = self.data, self.newlines
        if len(data) and (data[0] == 10 or (data[0] == 13 and len(data) > 1 and data[1] == 10)):
            return True
        gaps = np.diff(newlines)
        return bool(np.any((gaps == 1) | ((gaps == 2) & (data[newlines[:-1] + 1] == 13))))

    def lines(self) -> int:
        return len(self.newlines) + (len(self.data) > 0 and self.data[-1] != 10)


def _read_table(block: bytes, delimiter: str, width: int, positions: list[int]) -> pa.Table:
    names = [f"c{i}" for i in range(width)]
    wanted = [f"c{p}" for p in positions]
    return pacsv.read_csv(
        pa.BufferReader(block),
        # One chunk for the block: one dictionary per column, nothing to unify or combine.
        read_options=pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=len(block) + 1
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=False,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted,
            column_types=dict.fromkeys(wanted, DICTIONARY),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
        memory_pool=pa.system_memory_pool(),
    ).unify_dictionaries()


def blocks(
    source: CsvFile, start: int, positions: list[int], fields: int, later: tuple[int, ...] = ()
) -> Iterator[Block | Iterator]:
    """The file after its header as Blocks read by pyarrow (columns `positions` only), or, for
    what pyarrow cannot take, iterators of base.py's (line, cells, error) records. A block that
    is not valid UTF-8 raises UnicodeDecodeError, as base.py's reader does. The next PARSERS
    blocks are parsed in threads while the caller counts this one (pyarrow and numpy let go of
    the GIL): both cores busy, and less memory than pyarrow's own threads (docs/benchmarks.md).
    The file is cut here, in order; a block's thread also scans its line breaks."""
    reader = _BlockReader(source, positions, fields, later)
    cuts = _cut(source.path, start, source.header_line)

    try:
        with ThreadPoolExecutor(PARSERS) as pool:
            ahead = deque(
                pool.submit(reader.prepare, *raw, later=False) for raw in islice(cuts, PARSERS)
            )
            counted = None  # the block counted last
            while ahead:
                part = ahead.popleft().result()
                if isinstance(part, _Rest):
                    for later_part in ahead:
                        later_part.cancel()
                    yield part
                    return
                raw = next(cuts, None)
                if raw is not None:
                    later = isinstance(counted, Block) and counted.later_used
                    ahead.append(pool.submit(reader.prepare, *raw, later=later))
                yield part
                counted = part
    finally:
        cuts.close()


def _cut(path: Path, start: int, line: int) -> Iterator[tuple[bytes, int, int]]:
    """(block, byte offset, physical lines before it) of the file from `start`, cut after line
    breaks into blocks of about BLOCK bytes: a read of BLOCK bytes and the rest of its last
    line (one copy of the block, not two)."""
    with open(path, "rb") as fh:
        fh.seek(start)
        offset = start
        while block := fh.read(BLOCK):
            if not block.endswith(b"\n"):
                block += fh.readline()
            yield block, offset, line
            line += block.count(b"\n")
            offset += len(block)


class _Rest:
    """The rest of the file from a block on, read row by row (an iterator of records)."""

    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)


class _BlockReader:
    """Blocks parsed for the columns `positions`. Those among them also in `later` are only
    parsed when a block's caller asks for one (ARTS: the airport names, needed for the few
    rows whose code says nothing); once a block has needed them, the blocks cut from then on
    are parsed with them until a counted one did not (those cut before are being parsed).
    Fewer columns parse faster: 9 of ARTS' 15 in two thirds of the time (docs/benchmarks.md)."""

    def __init__(
        self, source: CsvFile, positions: list[int], fields: int, later: tuple[int, ...] = ()
    ):
        self.source, self.positions, self.fields = source, positions, fields
        self.later = sorted(set(later) & set(positions))
        self.at_once = [p for p in positions if p not in self.later]
        self.width = len(source.header)
        self.delimiter = source.delimiter
        self.pattern = _line_pattern(self.delimiter)
        self.limit = csv.field_size_limit()

    def prepare(self, block: bytes, offset: int, line: int, later: bool):
        """A Block, the block's records read row by row, or _Rest (see the module docstring)."""
        if not block.isascii():
            block.decode("utf-8")  # strict: a bad byte restarts the file as Windows-1252
        scan = _Scan(block)
        if scan.lone_return() or (
            b'"' in block and not _quotes_are_simple(block, self.delimiter, self.pattern, scan)
        ):
            size = self.source.path.stat().st_size
            return _Rest(self.source.part_rows(offset, size, line, True, self.fields))
        table = None
        if not (b"\x00" in block or len(block) > self.limit or scan.blank_line()):
            try:
                wanted = self.positions if later else self.at_once
                table = _read_table(block, self.delimiter, self.width, wanted)
            except pa.ArrowInvalid:
                table = None  # a row with another number of cells than the header
        if table is not None and table.num_rows == scan.lines():
            return Block(line + 1, block, table, self.delimiter, reader=self)
        text = io.StringIO(block.decode("utf-8"), newline="")
        return _records(text, line, self.delimiter, self.fields, width=self.width)

    def add_later_columns(self, block: Block) -> pa.Table:
        """The block's table with the `later` columns parsed from its text."""
        block.later_used = True
        more = _read_table(block.raw, self.delimiter, self.width, self.later)
        table = block.table
        for name in more.column_names:
            if name not in table.column_names:
                table = table.append_column(name, more.column(name))
        return table


def release_memory() -> None:
    """Give back what pyarrow's allocators keep for reuse: the write that follows needs none."""
    pa.default_memory_pool().release_unused()
    pa.system_memory_pool().release_unused()
