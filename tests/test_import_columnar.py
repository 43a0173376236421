"""Big ARTS files read by pyarrow a block at a time (flights/importers/columnar.py) give exactly
what the row-by-row reader gives: the same stored flights, segments and counts, the same
rejected lines and messages, the same warnings. Every fixture is read both ways and compared."""

import csv
import gzip

import pytest

from flights.importers import arts, columnar, import_path, parallel, summary
from flights.models import Airport, Flight
from tests.factories import SAMPLES
from tests.test_import_parts import big_arts_file, forget_imports, stored
from tests.test_import_released import PERSON, arts_row, released_rows, write_csv

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def blocks_spy(monkeypatch):
    """How many blocks pyarrow read, and how many went to the row-by-row reader."""
    seen = {"pyarrow": 0, "rows": 0}
    real = columnar.blocks

    def spy(*args):
        for part in real(*args):
            seen["pyarrow" if isinstance(part, columnar.Block) else "rows"] += 1
            yield part

    monkeypatch.setattr(columnar, "blocks", spy)
    return seen


def both_ways(path, settings, blocks_spy, **env):
    """Import `path` row by row, then in blocks; both results, and the blocks' spy counts."""
    for name, value in env.items():
        setattr(settings, name, value)
    settings.IMPORT_COLUMNAR_MIN_BYTES = 10**12
    settings.IMPORT_READ_PROCESSES = 1
    before = dict(blocks_spy)
    by_rows = summary(import_path("arts", path)), stored()
    assert blocks_spy == before  # nothing read in blocks
    forget_imports()
    settings.IMPORT_COLUMNAR_MIN_BYTES = 0
    in_blocks = summary(import_path("arts", path)), stored()
    return by_rows, in_blocks


def rows_of_every_kind() -> list[dict]:
    """The spellings, flags, redactions, corrections, junk and bad values of real releases."""
    aex = Airport.objects.get(icao="KAEX")
    rows = released_rows()
    rows += [
        arts_row("5002", PULOC="(B)(7)(E)", air_AirportName=aex.name, air_City=aex.city),
        arts_row("5002", PULOC="(b) (7)(e)", air_AirportName=aex.name.upper()),
        arts_row("5002", PULOC="(B)(7)(E)", air_AirportName="Nowhere At All"),
        arts_row("5003", DropLoc="KHNL"),
        arts_row("5003", DropLoc="ELP", **{"R-T": "T"}),
        arts_row("5003", DropLoc="*Times Updated*"),
        arts_row("5003", DropLoc="ZZZZ"),
        arts_row("5004", MissionDate="13/45/2019"),
        arts_row("5004", MissionDate="1/5/1989"),
        arts_row("5004", MissionDate="43374"),
        arts_row("5004", MissionNumber="190099"),  # another number: a conflict warning
        arts_row("", Juvenile="maybe"),
        arts_row("5005", **{"R-T": "Deported"}, StrikeFromList="perhaps"),
        arts_row("5005", CountryOfCitizenship="  NARNIA  "),
        arts_row("5005", CountryOfCitizenship="CHINA, PEOPLES REPUBLIC OF", Juvenile="TRUE"),
        arts_row("5005", CountryOfCitizenship='THE "NEW" REPUBLIC', StrikeFromList="Y"),
        arts_row("5006", MissionID="x" * 51),
    ]
    return rows * 3


LAYOUTS = {
    "43 columns": (*arts.ARTS_COLUMNS,),
    "47 columns": (*arts.PERSON_COLUMNS, *arts.ARTS_COLUMNS),
    "52 columns": (*arts.PERSON_COLUMNS, *arts.ARTS_COLUMNS, *arts.RESEARCH_COLUMNS),
    "no name columns": tuple(c for c in arts.ARTS_COLUMNS if not c.startswith("air")),
}


@pytest.mark.parametrize("block", [200, columnar.BLOCK], ids=["small blocks", "one block"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("delimiter", [",", "|", "\t", ";"], ids=["comma", "pipe", "tab", "semi"])
def test_every_layout_and_value_gives_the_same_in_blocks(
    tmp_path, settings, monkeypatch, blocks_spy, layout, delimiter, block
):
    monkeypatch.setattr(columnar, "BLOCK", block)
    rows = [{name: row.get(name, "") for name in LAYOUTS[layout]} for row in rows_of_every_kind()]
    path = write_csv(tmp_path / "arts.csv", rows, delimiter)

    by_rows, in_blocks = both_ways(path, settings, blocks_spy)

    assert in_blocks == by_rows
    assert blocks_spy["pyarrow"] >= 1
    assert by_rows[0]["rejected"] > 0 and by_rows[0]["warnings"]


def test_a_big_file_goes_to_the_block_reader_before_the_reading_processes(
    tmp_path, settings, monkeypatch, blocks_spy
):
    """A file big enough for both is read in blocks: the forked row-by-row readers are for what
    the block reader does not take (they were once asked first, and took every file)."""
    path = write_csv(tmp_path / "arts.csv", rows_of_every_kind(), ",")
    settings.IMPORT_COLUMNAR_MIN_BYTES = 0
    settings.IMPORT_READ_PROCESSES = 3
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    asked = []
    monkeypatch.setattr(parallel, "read_in_parts", lambda *args: asked.append(args) or False)

    run = import_path("arts", path)

    assert run.status != "failed" and run.rows > 0
    assert asked == [] and blocks_spy["pyarrow"] >= 1


def test_airport_names_are_parsed_only_for_blocks_that_need_them(
    tmp_path, settings, monkeypatch, blocks_spy
):
    """A block whose codes all resolve is parsed without the name columns; one that needs them
    parses them from its text, and the next but one is parsed with them at once."""
    monkeypatch.setattr(columnar, "BLOCK", 300)
    aex = Airport.objects.get(icao="KAEX")
    plain = [arts_row(f"60{n:02}") for n in range(40)]
    redacted = [arts_row("6100", PULOC="(B)(7)(E)", air_AirportName=aex.name) for _ in range(6)]
    path = write_csv(tmp_path / "arts.csv", plain + redacted + plain, ",")
    parsed = []
    real = columnar._read_table

    def spy(block, delimiter, width, positions):
        parsed.append(len(positions))
        return real(block, delimiter, width, positions)

    monkeypatch.setattr(columnar, "_read_table", spy)

    by_rows, in_blocks = both_ways(path, settings, blocks_spy)

    assert in_blocks == by_rows
    assert (
        in_blocks[0]["rejected"] == 0 and "found by the airport name" in in_blocks[0]["warnings"][0]
    )
    names = len(arts.NAME_COLUMNS) * 3
    everything = len(arts.USED)
    assert set(parsed) == {everything - names, names, everything}
    # Most blocks need no names: parsed once, without them.
    assert parsed.count(everything - names) > len(parsed) // 2


def test_a_gzipped_pipe_release_gives_the_same_in_blocks(tmp_path, settings, blocks_spy):
    path = write_csv(tmp_path / "arts.csv.gz", rows_of_every_kind(), "|", gzip.open)
    by_rows, in_blocks = both_ways(path, settings, blocks_spy)
    assert in_blocks == by_rows
    assert blocks_spy["pyarrow"] == 1


def test_the_sample_and_the_big_file_give_the_same_in_blocks(
    tmp_path, settings, monkeypatch, blocks_spy
):
    """CRLF, blank lines, quoted commas, quoted line breaks, bad rows, a mission over the whole
    file: blocks with blank lines are read row by row, then from the first value over two
    lines on, the rest of the file."""
    monkeypatch.setattr(columnar, "BLOCK", 4096)
    for path in (SAMPLES / "arts_sample.csv", big_arts_file(tmp_path)):
        forget_imports()
        by_rows, in_blocks = both_ways(path, settings, blocks_spy)
        assert in_blocks == by_rows
    assert blocks_spy["pyarrow"] >= 1 and blocks_spy["rows"] >= 2


def test_files_read_in_passes_give_the_same_in_blocks(tmp_path, settings, monkeypatch, blocks_spy):
    monkeypatch.setattr(columnar, "BLOCK", 300)
    monkeypatch.setattr(arts, "MISSIONS_PER_BATCH", 2)
    path = write_csv(tmp_path / "arts.csv", rows_of_every_kind())
    by_rows, in_blocks = both_ways(
        path, settings, blocks_spy, IMPORT_ARTS_PASS_BYTES=path.stat().st_size // 3 + 1
    )
    assert in_blocks == by_rows
    assert by_rows[0]["objects"]["flights"]["created"] == 5


def arts_row_line(mid: str, reason: str) -> str:
    """A 43-column line of mission `mid` whose ReasonStruck cell is written as given."""
    row = {name: arts_row(mid).get(name, "") for name in arts.ARTS_COLUMNS}
    row["ReasonStruck"] = "@"
    return ",".join(row.values()).replace("@", reason)


def odd_file(tmp_path, lines: list[str]):
    """Three good rows, with `lines` between the second and the third."""
    good = [arts_row_line(mid, "") for mid in ("61", "62", "63")]
    path = tmp_path / "arts.csv"
    text = "\n".join([",".join(arts.ARTS_COLUMNS), *good[:2], *lines, good[2]]) + "\n"
    path.write_bytes(text.encode())
    return path


ODD_LINES = {
    "an unclosed quote": [arts_row_line("64", '"about 100 people')],
    "a value over two lines": [arts_row_line("64", '"two'), 'lines",x' + "," * 30],
    "blank lines and a delimiters-only line": ["", "   ", "," * 42, ""],
    "a short and a long row": [",".join(["x"] * 10), ",".join(["y"] * 50)],
    "a NUL byte": [arts_row_line("64", "a\x00b")],
    "text after a closing quote": [arts_row_line("64", '"a"b')],
    "a quote inside a cell": [arts_row_line("64", '5"4')],
    "a doubled quote in a quoted cell": [arts_row_line("64", '"say ""no"""')],
    "a lone carriage return": [arts_row_line("64", "a\rb")],
}


@pytest.mark.parametrize("block", [100, columnar.BLOCK], ids=["small blocks", "one block"])
@pytest.mark.parametrize("odd", list(ODD_LINES))
def test_odd_lines_give_the_same_in_blocks(tmp_path, settings, monkeypatch, blocks_spy, odd, block):
    monkeypatch.setattr(columnar, "BLOCK", block)
    path = odd_file(tmp_path, ODD_LINES[odd])
    by_rows, in_blocks = both_ways(path, settings, blocks_spy)
    assert in_blocks == by_rows
    assert by_rows[0]["accepted"] >= 3


def test_an_unclosed_quote_in_blocks_rejects_its_line_only(tmp_path, settings, blocks_spy):
    path = odd_file(tmp_path, ODD_LINES["an unclosed quote"])
    settings.IMPORT_COLUMNAR_MIN_BYTES = 0
    result = summary(import_path("arts", path))
    assert (result["rows"], result["accepted"], result["rejected"]) == (4, 3, 1)
    assert [(e["line"], e["message"]) for e in result["errors"]] == [
        (4, "the line cannot be read as CSV: a quote opened on this line is not closed before "
            "line 5, which is read as a row of its own"),
    ]  # fmt: skip


def test_a_label_row_a_bom_and_windows_1252_give_the_same_in_blocks(tmp_path, settings, blocks_spy):
    rows = [{name: row.get(name, "") for name in arts.ARTS_COLUMNS} for row in released_rows()]
    text = write_csv(tmp_path / "plain.csv", rows).read_text()
    labelled = tmp_path / "labelled.csv"
    labelled.write_bytes(b"\xef\xbb\xbfICE ARTS,,release 3\n\n" + text.encode())
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.replace("GUATEMALA", "GUATEMALA É").encode("cp1252"))
    for path, warning in (
        (labelled, "line 1: a label row above the header, skipped"),
        (latin, "the file is not valid UTF-8: read as Windows-1252"),
    ):
        forget_imports()
        by_rows, in_blocks = both_ways(path, settings, blocks_spy)
        assert in_blocks == by_rows
        assert warning in in_blocks[0]["warnings"]
        assert in_blocks[0]["accepted"] == 7


def test_no_person_value_is_kept_in_blocks(tmp_path, settings, blocks_spy):
    from tests.test_import_released import assert_no_person_value_stored

    path = write_csv(tmp_path / "arts.csv", released_rows(), "|")
    settings.IMPORT_COLUMNAR_MIN_BYTES = 0
    result = summary(import_path("arts", path))
    assert (result["accepted"], blocks_spy["pyarrow"]) == (7, 1)
    assert Flight.objects.count() == 1
    assert not any(value in repr(result) for value in PERSON.values())
    assert_no_person_value_stored()


def test_csv_module_reads_the_fixture_lines_as_intended(tmp_path):
    """The odd lines are what their names say (a check on the fixtures themselves)."""
    path = odd_file(tmp_path, ODD_LINES["a doubled quote in a quoted cell"])
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[2]["ReasonStruck"] == 'say "no"'
