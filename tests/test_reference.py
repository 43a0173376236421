import pytest
from django.core.management import call_command

from flights.models import AircraftType, Airport, Country, Operator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("icao", "other_code"),
    [("KIWA", "IWA"), ("KHRL", "HRL"), ("PANC", "ANC"), ("ZYTX", "SHE"), ("RKSI", "ICN")],
)
def test_load_airports_finds_each_airport_by_both_codes(reference_data, icao, other_code):
    assert Airport.objects.by_code(icao).get().icao == icao
    assert icao in {a.icao for a in Airport.objects.by_code(other_code)}


def test_a_three_letter_code_reads_as_iata_before_faa_lid(reference_data):
    # IWA is Ivanovo's IATA code and Mesa Gateway's FAA LID (DATA.md: IATA first).
    assert Airport.objects.resolve("IWA").icao == "UUBI"
    assert Airport.objects.resolve("hrl").icao == "KHRL"
    assert Airport.objects.resolve("KIWA").icao == "KIWA"
    assert Airport.objects.resolve("GRG") is None


def test_load_airports_is_idempotent(reference_data, capsys):
    before = (Airport.objects.count(), Country.objects.count(), Operator.objects.count())
    call_command("load_airports")
    after = (Airport.objects.count(), Country.objects.count(), Operator.objects.count())
    assert after == before
    assert before[0] > 28000
    assert "28298 airports" in capsys.readouterr().out or before[0] == after[0]


def test_airport_carries_city_region_country_and_time_zone(reference_data):
    mesa = Airport.objects.get(icao="KIWA")
    assert (mesa.lid, mesa.iata, mesa.region, mesa.country_id, mesa.tz) == (
        "IWA",
        "AZA",
        "Arizona",
        "US",
        "America/Phoenix",
    )
    assert mesa.code == "KIWA"  # IWA reads as Ivanovo (see Airport.code)


def test_seeded_types_include_the_gulfstream_v_with_14_seats(reference_data):
    assert AircraftType.objects.get(designator="GLF5").typical_seats == 14


def test_operators_match_ignoring_case_and_spaces(reference_data):
    assert Operator.objects.matching(" globalx ").get().icao_code == "GXA"
    assert Operator.objects.get(name="CSI Aviation").kind == "broker"


def test_aggregate_labels_follow_the_airport_code_rule(reference_data):
    from flights.aggregates import airport_label

    # Mesa's LID "IWA" is Ivanovo's IATA code, so labels built from values() rows print KIWA,
    # exactly as Airport.code does and as /airports/KIWA/ opens.
    assert airport_label("KIWA", "AZA", "IWA") == Airport.objects.get(icao="KIWA").code == "KIWA"
    assert airport_label("KAEX", "AEX", "AEX") == "AEX"


def test_loading_airports_forgets_the_short_code_clashes_this_process_knew():
    from flights.models import Airport
    from flights.models.reference import (
        clashing_icaos,
        forget_short_code_clashes,
        short_code,
    )
    from flights.reference import load_reference_data

    Airport.objects.all().delete()
    forget_short_code_clashes()
    assert clashing_icaos() == frozenset()  # no airports, no clashes: now remembered
    load_reference_data()
    mesa = Airport.objects.get(icao="KIWA")
    assert short_code(mesa.icao, mesa.iata, mesa.lid) == "KIWA"
