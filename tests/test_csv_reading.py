"""Rows of a CSV file are read as the csv module reads them, whether a line takes the fast
path (no quote: split on the delimiter, only as far as the importer reads) or not."""

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


def read_by_records(text: str, delimiter: str, fields: int) -> list[tuple]:
    return list(_records(iter(io.StringIO(text, newline="")), 0, delimiter, fields))


def cut(rows: list[tuple], fields: int) -> list[tuple]:
    return [(line, cells if cells is None or not fields else cells[:fields], error)
            for line, cells, error in rows]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet='ab ,;\t"\r\n\x00', max_size=300),
    delimiter=st.sampled_from([",", ";", "\t"]),
    fields=st.sampled_from([0, 1, 2, 4]),
)
def test_records_are_those_the_csv_module_reads(text, delimiter, fields):
    expected = cut(read_by_the_csv_module(text, delimiter), fields)
    assert cut(read_by_records(text, delimiter, fields), fields) == expected


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
