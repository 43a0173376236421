"""Leg detection (flights/adsb/legs.py), one small built trace per case of docs/adsb.md."""

import datetime as dt
import gzip
import json
from pathlib import Path

import airportsdata
import pytest

from flights.adsb.airports import AirportIndex, Site
from flights.adsb.legs import detect
from flights.adsb.readers import TraceError, read_file
from flights.adsb.synth import Hop, fly, trace_files
from flights.adsb.thin import thin_track

REAL = Path(__file__).parent / "data" / "adsb" / "trace_full_ac671b.json"
T0 = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def world():
    data = airportsdata.load("ICAO")
    sites = {
        k: Site(k, v["lat"], v["lon"], v["elevation"] or 0.0, v["iata"], v["country"])
        for k, v in data.items()
    }
    return AirportIndex(sites.values()), sites


def legs_of(world, start, hops, t0=T0):
    airports, sites = world
    rows, truth = fly("a1b2c3", sites[start], hops, t0)
    points = []
    for doc in trace_files("a1b2c3", rows):
        points += read_file(json.dumps(doc).encode(), "t.json")[0].points
    found = detect(points, airports)
    return (
        [
            (
                leg.departure.airport.icao if leg.departure.airport else None,
                leg.arrival.airport.icao if leg.arrival.airport else None,
            )
            for leg in found
        ],
        found,
        truth,
    )


def hop(world, code, **options):
    return Hop(world[1][code], **options)


def test_it_finds_every_leg_of_a_multi_leg_day(world):
    route = ["KHRL", "MGGT", "KHRL", "KAEX"]
    pairs, found, _ = legs_of(world, "KAEX", [hop(world, c) for c in route])
    assert pairs == [("KAEX", "KHRL"), ("KHRL", "MGGT"), ("MGGT", "KHRL"), ("KHRL", "KAEX")]
    assert [leg.confidence for leg in found] == ["high"] * 4


def test_a_coverage_gap_in_cruise_does_not_split_the_leg(world):
    pairs, _, _ = legs_of(world, "KHRL", [hop(world, "MHLM", gaps=[(0.2, 0.85)])])
    assert pairs == [("KHRL", "MHLM")]


def test_a_gap_over_a_stop_splits_and_names_the_airport(world):
    hops = [
        hop(world, "MGGT", arrival_floor_ft=700, gaps=[(0.9, 1.0)]),
        hop(world, "KHRL", departure_floor_ft=900),
    ]
    pairs, found, _ = legs_of(world, "KHRL", hops)
    assert pairs == [("KHRL", "MGGT"), ("MGGT", "KHRL")]
    # The landing is hidden (low); the takeoff after it was seen from 900 ft (medium).
    assert [leg.confidence for leg in found] == ["low", "medium"]


def test_an_arrival_seen_only_to_a_few_hundred_feet_lands_at_its_airport(world):
    pairs, found, truth = legs_of(world, "KAEX", [hop(world, "KIWA", arrival_floor_ft=400)])
    assert pairs == [("KAEX", "KIWA")]
    assert found[0].confidence == "medium"
    landed = dt.datetime.fromtimestamp(found[0].arrival.time, dt.UTC)
    assert abs(landed - truth[0].arrival) < dt.timedelta(minutes=5)


def test_a_trace_that_starts_airborne_has_no_origin(world):
    hops = [hop(world, "KELP", start_airborne_at=0.4), hop(world, "KIWA")]
    pairs, found, _ = legs_of(world, "KSAT", hops)
    assert pairs == [(None, "KELP"), ("KELP", "KIWA")]
    assert found[0].confidence == "low"


def test_a_trace_that_ends_airborne_has_no_destination(world):
    hops = [hop(world, "KSAT"), hop(world, "MMMX", end_airborne_at=0.5)]
    pairs, _, _ = legs_of(world, "KELP", hops)
    assert pairs == [("KELP", "KSAT"), ("KSAT", None)]


def test_a_touch_and_go_is_a_landing_and_a_takeoff(world):
    hops = [hop(world, "KSAT", touch_and_go=True), hop(world, "KELP")]
    pairs, _, _ = legs_of(world, "KAEX", hops)
    assert pairs == [("KAEX", "KSAT"), ("KSAT", "KELP")]


def test_a_go_around_stays_one_leg(world):
    pairs, _, _ = legs_of(world, "KSAT", [hop(world, "KBRO", go_around=True)])
    assert pairs == [("KSAT", "KBRO")]


def test_a_diversion_ends_where_the_aircraft_landed(world):
    pairs, _, _ = legs_of(world, "KSAT", [hop(world, "KBRO", via=[(26.3, -97.5)])])
    assert pairs == [("KSAT", "KBRO")]


def test_a_taxi_only_day_has_no_leg(world):
    pairs, _, _ = legs_of(world, "KAEX", [])
    assert pairs == []


@pytest.mark.parametrize(
    ("start", "to", "via"),
    [
        ("KELP", "KIWA", []),
        ("KELP", "KPHX", []),
        ("KSAN", "KBFI", [(47.30, -122.30)]),  # a northbound final over Sea-Tac
        ("KOMA", "KSEA", [(47.70, -122.31)]),  # a southbound final over Boeing Field
    ],
)
def test_of_neighbouring_airports_it_picks_the_one_landed_at(world, start, to, via):
    pairs, _, _ = legs_of(world, start, [hop(world, to, via=via, arrival_floor_ft=350)])
    assert pairs == [(start, to)]


def test_wild_positions_and_altitude_spikes_are_ignored(world):
    hops = [hop(world, "KOMA", wild_point=True), hop(world, "KMSP")]
    pairs, _, _ = legs_of(world, "KMSP", hops)
    assert pairs == [("KMSP", "KOMA"), ("KOMA", "KMSP")]


def test_geometric_altitude_stands_in_for_missing_barometric(world):
    hops = [hop(world, "KELP", baro_missing=True, arrival_floor_ft=400)]
    pairs, _, _ = legs_of(world, "KDFW", hops)
    assert pairs == [("KDFW", "KELP")]


def test_a_flight_across_midnight_utc_is_one_leg_from_two_day_files(world):
    late = dt.datetime(2025, 3, 4, 22, 30, tzinfo=dt.UTC)
    rows, _ = fly("a1b2c3", world[1]["KMIA"], [hop(world, "SEQM")], late)
    assert len(trace_files("a1b2c3", rows)) == 2
    pairs, found, truth = legs_of(world, "KMIA", [hop(world, "SEQM")], late)
    assert pairs == [("KMIA", "SEQM")]
    assert truth[0].arrival.date() > truth[0].departure.date()


def test_every_leg_of_the_real_recording_is_found(world):
    trace = read_file(REAL.read_bytes(), REAL.name)[0]
    found = detect(trace.points, world[0])
    pairs = [
        (
            leg.departure.airport.icao if leg.departure.airport else None,
            leg.arrival.airport.icao if leg.arrival.airport else None,
        )
        for leg in found
    ]
    assert pairs == [(None, "KMSP"), ("KMSP", "KGEG"), ("KGEG", "KMSP"), ("KMSP", "KDEN")]
    assert trace.registration == "N899DN"


def test_gzip_is_read_whatever_the_name():
    plain = REAL.read_bytes()
    assert read_file(gzip.compress(plain), "trace_full_ac671b.json")[0].icao24 == "ac671b"


def test_thinned_tracks_have_at_most_a_few_hundred_points_and_keep_gaps(world):
    _, found, _ = legs_of(world, "KHRL", [hop(world, "MHLM", gaps=[(0.3, 0.6)])])
    track = thin_track(found[0].points, 600)
    assert 2 < len(track) <= 300
    assert sum(point[4] for point in track) == 1  # one gap, marked on the point after it


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "x.json: not JSON"),
        (b'{"icao": "abc123"}', 'x.json: no "trace" list: not a readsb trace_full file'),
        (b'{"icao": "zz", "timestamp": 1, "trace": []}', 'x.json: "icao" or "timestamp"'),
        (b"\x1f\x8bgarbage", "x.json: not a readable gzip file"),
        (b"a,b\n1,2\n", "x.json: not OpenSky state vectors (missing time"),
    ],
)
def test_a_file_that_is_not_a_trace_says_what_is_wrong(data, message):
    with pytest.raises(TraceError) as error:
        read_file(data, "x.json")
    assert str(error.value).startswith(message)


def test_opensky_state_vectors_are_read_in_si_units():
    csv = (
        b"time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
        b"baroaltitude,geoaltitude,lastposupdate,lastcontact\n"
        b"1700000000,a1b2c3,31.3,-92.5,100.0,90,0,GXA123  ,False,False,False,1200,1000.0,,,\n"
        b"1700000010,a1b2c3,31.3,-92.5,5.0,90,0,GXA123  ,True,False,False,1200,,30.0,,\n"
    )
    (trace,) = read_file(csv, "states.csv")
    assert trace.callsign == "GXA123"
    assert round(trace.points[0].alt) == 3281 and round(trace.points[0].gs) == 194
    assert trace.points[1].ground and round(trace.points[1].alt) == 98
