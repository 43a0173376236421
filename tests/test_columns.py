"""The column readers (flights/importers/columns.py): each reads one kind of cell or says why
not, in the words a rejected row shows. Every format reads its cells through these."""

import datetime as dt

import pytest

from flights.importers import columns as c
from flights.importers.base import AirportCodes

UTC = dt.UTC
DAY = dt.date(2024, 3, 30)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-30", DAY),
        ("2024-03-30 00:00:00", DAY),
        ("3/30/2024", DAY),
        ("30 Mar 2024", DAY),
        ("30 March. 2024", DAY),
        ("Saturday, March 30, 2024", DAY),
        ("Sat Mar 30 2024", DAY),
        ("March 30, 2024.", DAY),
        ("2024-02-30", None),
        ("30 Foo 2024", None),
        ("45381", None),  # an Excel serial only where asked for
    ],
)
def test_parse_date_reads_each_spelling_or_gives_none(text, day):
    assert c.parse_date(text) == day


def test_an_excel_serial_is_a_date_where_the_format_allows_it():
    assert c.parse_date("45381", excel=True) == DAY
    assert c.parse_date("45381.0", excel=True) == DAY


def test_read_date_says_how_to_write_a_date_and_keeps_the_window():
    with pytest.raises(c.CellError, match='unreadable date "30/3/2024": use YYYY-MM-DD'):
        c.read_date("30/3/2024")
    with pytest.raises(c.CellError):
        c.read_date("1900-01-01")


@pytest.mark.parametrize(("text", "number"), [("21", 21), ("21.0", 21), ("0", 0), ("+3", 3)])
def test_read_whole_reads_whole_numbers_and_spreadsheet_floats(text, number):
    assert c.read_whole(text) == number


@pytest.mark.parametrize("text", ["-1", "2.5", "about 100", "99999999999", "2000000001"])
def test_read_whole_refuses_what_is_not_a_whole_number_of_people(text):
    with pytest.raises(c.CellError, match=f'not a whole number ≥ 0: "{text}"'):
        c.read_whole(text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [("Yes", True), ("n", False), ("TRUE", True), ("0.0", False), ("1", True), ("", False)],
)
def test_read_flag_reads_every_yes_no_spelling(text, flag):
    assert c.read_flag(text) is flag


def test_read_flag_refuses_anything_else():
    with pytest.raises(c.CellError, match='not a yes/no value "maybe"'):
        c.read_flag("maybe")


@pytest.mark.parametrize(
    ("text", "redacted"),
    [("(B)(6)", True), ("(b)(7)(E)", True), ("(B)(6);(B)(7)(C)", True), ("( b ) ( 6 )", True),
     ("KAEX", False), ("(B)", False), ("", False)],
)  # fmt: skip
def test_is_redacted_knows_foia_markers(text, redacted):
    assert c.is_redacted(text) is redacted


def test_airport_codes_prefer_the_bracketed_icao_code():
    assert c.airport_codes("Miami, FL(MIA/KMIA)") == ["KMIA", "MIA"]
    assert c.airport_codes("La Mesa (SAP / )") == ["SAP"]
    assert c.airport_codes("Wendover, UT (KENV)") == ["KENV"]  # no IATA code: ICAO alone
    assert c.airport_codes(" KIWA ") == ["KIWA"]
    assert c.airport_codes("") == []


def test_aircraft_cell_gives_type_and_registration():
    assert c.aircraft_cell("B733 (N811TJ)") == ("B733", "N811TJ")
    assert c.aircraft_cell("B733") == ("", "")


@pytest.mark.parametrize(
    ("text", "moment", "is_clock"),
    [
        ("07:05", dt.datetime(2024, 3, 30, 7, 5, tzinfo=UTC), True),
        ("7:05:09", dt.datetime(2024, 3, 30, 7, 5, 9, tzinfo=UTC), True),
        ("2024-03-30T09:00-04:00", dt.datetime(2024, 3, 30, 13, 0, tzinfo=UTC), False),
        ("2024-03-30 13:00Z", dt.datetime(2024, 3, 30, 13, 0, tzinfo=UTC), False),
    ],
)
def test_read_utc_time_reads_clock_times_as_utc_and_iso_with_its_offset(text, moment, is_clock):
    assert c.read_utc_time(text, DAY) == (moment, is_clock)


@pytest.mark.parametrize("text", ["24:00", "7h05", "2024-03-30T09:00", "07:00 EDT"])
def test_read_utc_time_refuses_times_without_a_known_zone(text):
    with pytest.raises(c.CellError, match=f'unreadable time "{text}": use HH:MM'):
        c.read_utc_time(text, DAY)


def test_read_local_time_checks_the_zone_abbreviation_against_the_airport():
    assert c.is_zoned("07:00 EDT") and not c.is_zoned("07:00")
    assert c.read_local_time("07:00 EDT", DAY, "America/New_York") == dt.datetime(
        2024, 3, 30, 11, 0, tzinfo=UTC
    )
    with pytest.raises(c.CellError, match='"EST" is not the time zone of the airport'):
        c.read_local_time("07:00 EST", DAY, "America/New_York")


def test_a_named_offset_is_read_where_the_zone_database_gives_only_the_offset():
    """Flight-tracking sites print BRT for Brasília time; the zone database calls it -03."""
    day = dt.date(2020, 4, 24)
    assert c.read_local_time("14:20 BRT", day, "America/Sao_Paulo") == dt.datetime(
        2020, 4, 24, 17, 20, tzinfo=UTC
    )
    assert c.read_local_time("09:10 PET", day, "America/Lima").hour == 14
    # The name must still mean the zone's offset on that day, and never replaces a real name.
    with pytest.raises(c.CellError, match='"BRT" is not the time zone'):
        c.read_local_time("14:20 BRT", day, "America/Manaus")  # -04
    with pytest.raises(c.CellError, match='"COT" is not the time zone'):
        c.read_local_time("07:00 COT", DAY, "America/New_York")


def test_time_in_text_finds_the_clock_time_a_status_ends_with():
    assert c.time_in_text("Landed 11:29 EDT") == "11:29 EDT"
    assert c.time_in_text("Scheduled") == ""


@pytest.mark.parametrize(
    ("text", "basis"),
    [("counted at the stairs", "observed"), ("average of 3 flights", "estimated"),
     ("ICE manifest", "reported"), ("?", "")],
)  # fmt: skip
def test_read_method_reads_free_text_counting_methods(text, basis):
    assert c.read_method(text) == basis


def test_read_basis_takes_only_the_three_named_methods():
    assert c.read_basis("Observed") == "observed"
    with pytest.raises(c.CellError, match='unknown counting method "counted"'):
        c.read_basis("counted")


def test_read_icao24_lower_cases_a_hex_address_and_refuses_others():
    assert c.read_icao24("A1B2C3") == "a1b2c3"
    with pytest.raises(c.CellError, match="not a 6-digit hexadecimal"):
        c.read_icao24("A1B2C")


def test_registration_and_callsign_are_normalised_and_bounded():
    assert c.read_registration("n 811tj") == "N811TJ"
    assert c.read_callsign("gxa 123") == "GXA123"
    with pytest.raises(c.BadValue) as error:
        c.read_registration("n 1234567890")
    assert (str(error.value), error.value.value) == (
        "a registration has at most 10 characters", "N1234567890"
    )  # fmt: skip
    with pytest.raises(c.CellError, match="a callsign has at most 12 characters"):
        c.read_callsign("x" * 13)


def test_read_url_takes_http_addresses_only():
    assert c.read_url("https://example.org/x") == "https://example.org/x"
    for bad in ("ftp://example.org", "https://" + "x" * 500):
        with pytest.raises(c.CellError, match="not an http"):
            c.read_url(bad)


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_data")
def test_read_airport_resolves_codes_and_bracketed_cells():
    airports = AirportCodes()
    mesa = airports.resolve("KIWA")
    assert mesa is not None
    assert c.read_airport("KIWA", airports) == mesa
    # the bracketed ICAO code first: IWA alone is also Ivanovo's IATA code
    assert c.read_airport("Mesa, AZ(IWA/KIWA)", airports) == mesa
    with pytest.raises(c.CellError, match="missing airport code"):
        c.read_airport("", airports)
    with pytest.raises(c.CellError, match='unknown airport code "XXXX"'):
        c.read_airport("XXXX", airports)
