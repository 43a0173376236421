"""`manage.py import_flights`: the JSON summary, the plain summary and the exit codes."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import SAMPLES

pytestmark = pytest.mark.usefixtures("reference_data")


def run_json(fmt: str, path, capsys) -> dict:
    call_command("import_flights", "--format", fmt, str(path), "--json")
    return json.loads(capsys.readouterr().out)


def test_the_flightlog_sample_prints_the_issue_json_shape(capsys):
    result = run_json("flightlog", SAMPLES / "flightlog_sample.csv", capsys)
    assert list(result) == [
        "status", "rows", "accepted", "duplicates", "rejected", "errors", "objects", "warnings",
    ]  # fmt: skip
    assert (result["rows"], result["accepted"], result["duplicates"], result["rejected"]) == (
        15,
        9,
        1,
        5,
    )
    assert [(e["line"], e["column"], e["value"]) for e in result["errors"]] == [
        (12, "from", "GRG"),
        (13, "to", "AEX"),
        (14, "passengers", "-3"),
        (15, "date", "2025-02-30"),
        (16, "arrival_time", "2025-05-10T06:30Z"),
    ]
    assert result["objects"]["flights"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert result["objects"]["legs"] == {"created": 9, "updated": 0, "unchanged": 0}

    again = run_json("flightlog", SAMPLES / "flightlog_sample.csv", capsys)
    assert again["objects"]["flights"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert again["objects"]["legs"] == {"created": 0, "updated": 0, "unchanged": 9}


def test_the_arts_sample_prints_three_flights(capsys):
    result = run_json("arts", SAMPLES / "arts_sample.csv", capsys)
    assert (result["status"], result["rows"], result["accepted"], result["errors"]) == (
        "succeeded",
        34,
        34,
        [],
    )
    assert result["objects"]["flights"] == {"created": 3, "updated": 0, "unchanged": 0}


def test_the_plain_summary_names_each_rejected_line(capsys):
    call_command("import_flights", "--format", "flightlog", str(SAMPLES / "flightlog_sample.csv"))
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "flightlog_sample.csv: succeeded with rejected rows: 15 rows, 9 accepted, "
        "1 duplicates, 5 rejected"
    )
    assert '  line 12, column "from": unknown airport code "GRG"' in out.splitlines()


def test_an_unreadable_file_exits_non_zero_with_one_line(tmp_path, capsys):
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_flights", "--format", "arts", str(path), "--json")
    assert str(excinfo.value) == (
        f"{path}: the file is not a CSV text file (it contains NUL bytes)"
    )
    assert json.loads(capsys.readouterr().out)["status"] == "failed"


def test_a_missing_file_exits_non_zero(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_flights", "--format", "arts", str(tmp_path / "nope.csv"))
