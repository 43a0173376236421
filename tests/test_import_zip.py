"""A .zip upload is its members one after the other, each a file of its own: every message names
the member and the line within that member, not a line of the members run together."""

import zipfile

import pytest

from flights.importers import import_path
from flights.importers.sources import MemberLines
from flights.models import Leg

pytestmark = pytest.mark.usefixtures("reference_data")

HEADER = "date,from,to,passengers\n"


def zip_of(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def rejected(run) -> list[tuple[int, str, str]]:
    return list(run.rejected_rows.order_by("id").values_list("line", "column", "message"))


def test_a_rejected_row_names_its_member_and_its_line_in_that_member(tmp_path):
    path = zip_of(
        tmp_path / "logs.zip",
        {
            "march.csv": HEADER + "2024-03-30,KIWA,KELP,21\n2024-03-31,KIWA,XXXX,5\n",
            # blank lines before the header and inside count, as in the file itself
            "april.csv": "\n" + HEADER + "2024-04-01,KIWA,KELP,3\n\n2024-04-02,KELP,YYYY,4\n",
        },
    )

    run = import_path("flightlog", path)

    assert (run.status, run.accepted, run.rejected) == ("rejects", 2, 2)
    assert rejected(run) == [
        (3, "to", 'zip member "march.csv", line 3: unknown airport code "XXXX"'),
        (5, "to", 'zip member "april.csv", line 5: unknown airport code "YYYY"'),
    ]


def test_a_warning_names_the_member_of_each_line_it_cites(tmp_path):
    # The same leg in two members with other values: the later one is kept, and said so.
    path = zip_of(
        tmp_path / "logs.zip",
        {
            "a.csv": HEADER + "2024-03-30,KIWA,KELP,21\n",
            "b.csv": HEADER + "2024-03-29,KIWA,KELP,2\n2024-03-30,KIWA,KELP,22\n",
        },
    )

    run = import_path("flightlog", path)

    assert (
        'line 3 of "b.csv": same leg as line 2 of "a.csv" with other values; '
        'line 3 of "b.csv" is kept'
    ) in run.warnings
    assert sorted(Leg.objects.values_list("passengers", flat=True)) == [2, 22]


def test_members_without_a_final_line_break_or_with_crlf_count_their_own_lines(tmp_path):
    path = zip_of(
        tmp_path / "logs.zip",
        {
            "a.csv": HEADER + "2024-03-30,KIWA,KELP,21",
            "b.csv": HEADER + "2024-03-31,KIWA,KELP,1\r\n2024-04-01,KIWA,ZZZZ,2",
            "c.csv": HEADER.replace("\n", "\r\n") + "2024-04-02,KIWA,QQQQ,3\r\n",
        },
    )

    run = import_path("flightlog", path)

    assert [(line, message.split(":")[0]) for line, _, message in rejected(run)] == [
        (3, 'zip member "b.csv", line 3'),
        (2, 'zip member "c.csv", line 2'),
    ]


def test_a_file_that_is_not_a_zip_keeps_its_own_line_numbers(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "2024-03-30,KIWA,XXXX,21\n")
    run = import_path("flightlog", path)
    assert rejected(run) == [(2, "to", 'unknown airport code "XXXX"')]


def test_member_lines_locate_each_joined_line_in_its_member():
    members = MemberLines()
    assert not members and members.place("line 4: x") == "line 4: x"
    members.add(2, "a.csv", 2)  # header on line 1 of a.csv
    members.add(5, "b.csv", 4)  # b.csv: two blank lines and its header before
    assert [members.locate(n) for n in (1, 2, 4, 5, 9)] == [
        ("a.csv", 1), ("a.csv", 2), ("a.csv", 4), ("b.csv", 4), ("b.csv", 8),
    ]  # fmt: skip
    assert members.place("line 6: same as line 3") == 'line 5 of "b.csv": same as line 3 of "a.csv"'
