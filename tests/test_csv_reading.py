"""Rows of a CSV file are read as the csv module reads them, whether a line takes the fast
path (no quote: split on the delimiter, only as far as the importer reads) or not; except that
a quote left open never swallows the rows after it, and a NUL rejects its line
(docs/imports.md, "Quotes")."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from flights.importers.base import _records


def read_by_the_csv_module(text: str, delimiter: str) -> list[tuple]:
    """What one csv.reader over the whole text gives: the behaviour _records must keep."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, prev = [], 0
    while True:
        try:
            for cells in reader:
                line, prev = prev + 1, reader.line_num
                if cells and any(cell.strip() for cell in cells):
                    rows.append((line, cells, ""))
            return rows
        except csv.Error as exc:
            line, prev = prev + 1, reader.line_num
            rows.append((line, None, str(exc)))


def read_by_records(text: str, delimiter: str, fields: int, width: int = 0) -> list[tuple]:
    return list(_records(iter(io.StringIO(text, newline="")), 0, delimiter, fields, width=width))


def written(rows: list[list[str]], delimiter: str, ending: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows(rows)
    return out.getvalue()


def cut(rows: list[tuple], fields: int) -> list[tuple]:
    return [(line, cells if cells is None or not fields else cells[:fields], error)
            for line, cells, error in rows]  # fmt: skip


cell = st.text(alphabet='ab ,;|\t"\r\n', max_size=8)


@settings(max_examples=500, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=4), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    ending=st.sampled_from(["\n", "\r\n"]),
    fields=st.sampled_from([0, 1, 2, 4]),
)
def test_records_of_well_formed_csv_are_those_the_csv_module_reads(rows, delimiter, ending, fields):
    text = written(rows, delimiter, ending)
    expected = cut(read_by_the_csv_module(text, delimiter), fields)
    assert cut(read_by_records(text, delimiter, fields), fields) == expected


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet='ab ,;\t"\r\n\x00', max_size=300),
    delimiter=st.sampled_from([",", ";", "\t"]),
    width=st.sampled_from([0, 1, 2, 4]),
)
def test_any_text_gives_records_in_line_order_and_never_fails(text, delimiter, width):
    records = read_by_records(text, delimiter, 0, width)
    lines = [line for line, _, _ in records]
    assert lines == sorted(set(lines))
    physical = len(io.StringIO(text, newline="").readlines())
    assert all(1 <= line <= physical for line in lines)
    for _, cells, error in records:
        assert (cells is None) == bool(error)
        assert cells is None or not any("\x00" in c for c in cells)


def test_an_unclosed_quote_stops_before_a_line_that_is_a_row():
    text = 'a,b,c\n1,"open,3\n4,5,6\n'
    assert read_by_records(text, ",", 0, width=3) == [
        (1, ["a", "b", "c"], ""),
        (2, None, "a quote opened on this line is not closed before line 3, which is read as "
                  "a row of its own"),
        (3, ["4", "5", "6"], ""),
    ]  # fmt: skip


def test_an_unclosed_quote_at_the_end_of_the_file_is_an_error():
    assert read_by_records('a,"b\nmore text\n', ",", 0, width=2) == [
        (1, None, "a quote opened on this line is not closed by the end of the file"),
    ]


def test_a_quoted_value_over_several_lines_keeps_the_line_numbers_after_it():
    text = 'a,b\r\n"one\r\ntwo",x\r\n\r\nc,d\r\n'
    assert read_by_records(text, ",", 0) == [
        (1, ["a", "b"], ""),
        (2, ["one\r\ntwo", "x"], ""),
        (5, ["c", "d"], ""),
    ]


def test_a_row_read_only_so_far_keeps_the_rest_of_the_line_in_its_last_cell():
    assert read_by_records("1,2,3,4,5\n", ",", 2) == [(1, ["1", "2", "3,4,5"], "")]
    assert read_by_records('1,"2",3,4,5\n', ",", 2) == [(1, ["1", "2", "3"], "")]
