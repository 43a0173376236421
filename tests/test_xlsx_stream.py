"""The streaming .xlsx reader (flights/importers/xlsx.py) gives what openpyxl gives, row for row,
for every kind of cell, and big workbooks go through it."""

import datetime as dt

import pytest

from flights.importers import import_path, sources
from flights.models import Leg


def workbook(path, rows, write_only=False):
    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("first", 0) if write_only else wb.active
    for row in rows:
        ws.append(row)
    if not write_only:
        ws["F7"] = "after a gap"  # rows 5 and 6 left out of the sheet
        ws["B8"].value = dt.time(7, 30)
        ws["B8"].number_format = "hh:mm"
        wb.create_sheet("second").append(["not read"])
    wb.save(path)
    return path


ROWS = [
    ["date", "from", "to", "passengers", "notes", "flag"],
    [dt.date(2024, 3, 30), "KIWA", "KELP", 21.0, "mañana “quoted”", True],
    [dt.datetime(2024, 3, 31, 14, 5), "KIWA", None, 7, None, False],  # noqa: DTZ001
    [45381, "KAEX", "MGGT", 1.5, "=not a formula", None],
]


@pytest.mark.parametrize("write_only", [False, True], ids=["shared strings", "inline strings"])
def test_streamed_rows_are_openpyxls_rows(tmp_path, write_only):
    path = workbook(tmp_path / "book.xlsx", ROWS, write_only)
    streamed = list(sources.xlsx_rows(path, reader="stream"))
    expected = list(sources.xlsx_rows(path, reader="openpyxl"))

    def trimmed(rows):
        return [row[: max((i + 1 for i, v in enumerate(row) if v), default=0)] for row in rows]

    assert trimmed(streamed) == trimmed(expected)
    assert streamed[1][:4] == ["2024-03-30", "KIWA", "KELP", "21"]
    assert streamed[2][0] == "2024-03-31T14:05:00"
    if not write_only:
        assert [streamed[4], streamed[5], streamed[6][5], streamed[7][1]] == [
            [], [], "after a gap", "07:30:00"
        ]  # fmt: skip


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(sources.ImportFailed, match="the Excel workbook cannot be read"):
        list(sources.xlsx_rows(path, reader="stream"))


@pytest.mark.usefixtures("reference_data")
def test_a_big_workbook_is_streamed_and_imports(tmp_path, monkeypatch):
    path = workbook(tmp_path / "log.xlsx", ROWS[:2] + [[dt.date(2024, 4, 1), "KIWA", "KAEX", 3]])
    used = []
    real = sources.xlsx_rows
    monkeypatch.setattr(sources, "CALAMINE_MAX_BYTES", 0)
    monkeypatch.setattr(
        sources, "xlsx_rows", lambda p, reader: used.append(reader) or real(p, reader)
    )

    run = import_path("flightlog", path)

    assert (run.status, run.accepted, used) == ("rejects", 2, ["stream"])
    # the rows after the gap are the sheet's rows 7 and 8, and say so
    assert set(run.rejected_rows.values_list("line", flat=True)) == {7, 8}
    assert sorted(Leg.objects.values_list("passengers", flat=True)) == [3, 21]
