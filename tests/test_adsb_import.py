"""Reading traces into candidates, attaching to known legs, moderating, the watch list and the
flown track on the flight page (docs/adsb.md)."""

import datetime as dt
import gzip
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from flights.adsb import review
from flights.adsb.ingest import Blob, import_traces
from flights.adsb.synth import Hop, fly, trace_files
from flights.choices import FlightKind, SourceKind
from flights.models import (
    Airport,
    CandidateStatus,
    DetectedLeg,
    Flight,
    LegCandidate,
    WatchedAddress,
    WatchedAircraft,
)
from tests.factories import make_aircraft, make_flight

pytestmark = pytest.mark.usefixtures("reference_data")
T0 = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)


def site(code):
    from flights.adsb.airports import Site

    a = Airport.objects.get(icao=code)
    return Site(a.icao, a.latitude, a.longitude, a.elevation_ft or 0.0, a.iata, a.country_id)


def day_files(tmp_path, icao="a2c4e0", route=("KAEX", "KHRL", "MGGT"), registration="N278GX"):
    rows, truth = fly(icao, site(route[0]), [Hop(site(c)) for c in route[1:]], T0)
    (doc,) = trace_files(icao, rows, registration=registration)
    folder = tmp_path / "traces"
    folder.mkdir(exist_ok=True)
    # gzipped whatever the name, as globe_history serves them
    (folder / f"trace_full_{icao}.json").write_bytes(gzip.compress(json.dumps(doc).encode()))
    return folder, truth


def watch(icao="a2c4e0", registration="N278GX"):
    watched = WatchedAircraft.objects.create(
        registration=registration, reason="ICE Air charter", source="test"
    )
    WatchedAddress.objects.create(watched=watched, icao24=icao)
    return watched


def run_json(*args) -> dict:
    out = io.StringIO()
    call_command("import_traces", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_import_traces_prints_legs_creates_candidates_once_and_a_second_run_none(tmp_path):
    watch()
    folder, _ = day_files(tmp_path)
    rows, _ = fly("a2d25e", site("KELP"), [Hop(site("KSAT"))], T0)
    (doc,) = trace_files("a2d25e", rows)
    (folder / "trace_full_a2d25e.json").write_text(json.dumps(doc))  # plain, not watched

    first = run_json(str(folder))
    assert (first["files"], first["aircraft"], first["skipped_aircraft"]) == (2, 1, 1)
    assert [(leg["from"], leg["to"], leg["confidence"]) for leg in first["legs"]] == [
        ("KAEX", "KHRL", "high"),
        ("KHRL", "MGGT", "high"),
    ]
    assert first["legs"][0]["registration"] == "N278GX"
    assert first["legs"][0]["departure_time"].endswith("Z")
    assert first["candidates_created"] == 1
    candidate = LegCandidate.objects.get()
    assert candidate.legs.count() == 2
    assert (candidate.kind, candidate.kind_inferred) == (FlightKind.REMOVAL, True)

    second = run_json(str(folder))
    assert second["candidates_created"] == 0
    assert len(second["legs"]) == 2
    assert LegCandidate.objects.count() == 1 and DetectedLeg.objects.count() == 2


def test_all_reads_aircraft_that_are_not_watched(tmp_path):
    folder, _ = day_files(tmp_path)
    assert run_json(str(folder))["skipped_aircraft"] == 1
    result = run_json("--all", str(folder))
    assert (result["aircraft"], result["candidates_created"]) == (1, 1)


def test_a_callsign_pattern_puts_an_aircraft_on_watch(tmp_path):
    from flights.models import CallsignPattern

    CallsignPattern.objects.create(pattern="gxa*", reason="GlobalX", source="test")
    rows, _ = fly("a2c4e0", site("KAEX"), [Hop(site("KHRL"))], T0)
    (doc,) = trace_files("a2c4e0", rows)
    doc["trace"][5][8] = {"flight": "GXA6017 "}
    report = import_traces([Blob("t.json", json.dumps(doc).encode())])
    assert (report.aircraft, report.candidates_created) == (1, 1)


def test_a_detected_leg_matching_a_recorded_leg_is_attached_as_its_source(tmp_path):
    watch()
    plane = make_aircraft("N278GX", icao24="a2c4e0")
    folder, truth = day_files(tmp_path, route=("KAEX", "KHRL"))
    recorded = make_flight(
        route=("KAEX", "KHRL"),
        date=truth[0].departure.date(),
        aircraft=plane,
        times=[(truth[0].departure + dt.timedelta(minutes=20), None)],
    )
    result = run_json(str(folder))
    assert result["candidates_created"] == 0
    assert result["attached_to_existing_legs"] == 1
    detected = DetectedLeg.objects.get()
    assert detected.leg == recorded.legs.get()
    assert recorded.sources.filter(kind=SourceKind.ADSB).count() == 1
    assert Flight.objects.count() == 1


def confirmed_flight(tmp_path, moderator, licence="ODbL 1.0 (adsb.lol)"):
    watch()
    folder, _ = day_files(tmp_path)
    call_command("import_traces", str(folder), "--licence", licence, stdout=io.StringIO())
    return review.confirm(LegCandidate.objects.get(), moderator)


def test_a_moderator_confirms_a_candidate_into_a_flight_whose_page_draws_the_track(
    client, make_user, tmp_path
):
    moderator = make_user("mod", "moderator")
    client.force_login(moderator)
    candidate_id = LegCandidate.objects.values_list("pk", flat=True)
    watch()
    folder, _ = day_files(tmp_path)
    call_command("import_traces", str(folder), "--licence", "ODbL 1.0", stdout=io.StringIO())
    (pk,) = candidate_id
    queue = client.get(reverse("flights:moderation_queue"))
    assert f"/moderation/adsb/{pk}/" in queue.content.decode()
    response = client.post(reverse("flights:candidate_confirm", args=[pk]))
    assert response.status_code == 302
    flight = Flight.objects.get()
    assert flight.route == "AEX → HRL → GUA"
    assert flight.sources.get().kind == SourceKind.ADSB
    assert LegCandidate.objects.get().status == CandidateStatus.CONFIRMED
    page = client.get(flight.get_absolute_url()).content.decode()
    assert "Flown track (ADS-B)" in page
    assert "Open Database License (ODbL)" in page


def test_a_flight_without_a_track_draws_arcs_and_no_attribution(client):
    flight = make_flight()
    page = client.get(flight.get_absolute_url()).content.decode()
    assert "Flown track (ADS-B)" not in page and "ODbL" not in page


def test_the_track_with_a_gap_is_drawn_dashed():
    from flights.charts import flight_map

    a = {"code": "AEX", "name": "A", "lat": 31.3, "lon": -92.5}
    b = {"code": "HRL", "name": "H", "lat": 26.2, "lon": -97.6}
    track = [[0, 31.3, -92.5, 0, 0], [60, 30.0, -94.0, 30000, 0], [999, 28.0, -96.0, 30000, 1]]
    fig = flight_map([{"from": a, "to": b, "sequence": 1, "track": track}])
    dashed = [t for t in fig.data if t.line and t.line.dash == "dash"]
    assert [list(t.lat) for t in dashed] == [[30.0, 28.0, None]]


def test_a_dismissed_candidate_is_not_offered_again(tmp_path, make_user):
    watch()
    folder, _ = day_files(tmp_path)
    call_command("import_traces", str(folder), stdout=io.StringIO())
    review.dismiss(LegCandidate.objects.get(), make_user("mod", "moderator"), "training flight")
    # the same positions in another file (a re-download: another digest)
    path = next(folder.iterdir())
    path.write_bytes(gzip.decompress(path.read_bytes()) + b"\n")
    assert run_json(str(folder))["candidates_created"] == 0
    assert LegCandidate.objects.get().status == CandidateStatus.DISMISSED


def test_a_candidate_with_an_unknown_airport_must_be_edited_before_confirming(tmp_path, make_user):
    watch()
    rows, _ = fly("a2c4e0", site("KSAT"), [Hop(site("MMMX"), end_airborne_at=0.5)], T0)
    (doc,) = trace_files("a2c4e0", rows)
    import_traces([Blob("t.json", json.dumps(doc).encode())])
    candidate = LegCandidate.objects.get()
    with pytest.raises(review.CandidateError, match="Every leg needs both airports"):
        review.confirm(candidate, make_user("mod", "moderator"))
    leg = candidate.legs.get()
    review.edit(candidate, FlightKind.REMOVAL, {leg.pk: (None, Airport.objects.get(icao="MMMX"))})
    flight = review.confirm(candidate, None)
    assert flight.route == "SAT → MEX"


def test_the_watch_list_is_seeded_from_aircraft_in_the_tracker_without_merging():
    make_aircraft("N278GX", icao24="a2c4e0")
    make_aircraft("N281GX", icao24="a2d25e")
    other = WatchedAircraft.objects.create(registration="N999ZZ", reason="r", source="s")
    WatchedAddress.objects.create(watched=other, icao24="a2d25e")
    counts = review.seed_watch_list("In the tracker", "flight records")
    assert counts == {"aircraft": 2, "addresses": 1, "conflicts": 1}
    assert WatchedAddress.objects.get(icao24="a2d25e").watched == other


def test_an_address_change_keeps_the_history_and_refuses_a_held_address():
    watched = watch()
    review.change_address(watched, "ADF123", dt.date(2025, 6, 1), "privacy programme")
    history = list(watched.addresses.order_by("icao24").values_list("icao24", "valid_until"))
    assert history == [("a2c4e0", dt.date(2025, 6, 1)), ("adf123", None)]
    other = WatchedAircraft.objects.create(registration="N1", reason="r", source="s")
    with pytest.raises(review.CandidateError, match="held by N278GX"):
        review.change_address(other, "adf123", dt.date(2025, 7, 1))


def test_the_watch_list_page_shows_addresses_and_patterns(client, make_user):
    watch()
    client.force_login(make_user("mod", "moderator"))
    page = client.get(reverse("flights:watch_list")).content.decode()
    assert "N278GX" in page and "a2c4e0" in page


def test_a_bad_file_is_reported_by_name_and_the_rest_is_read(tmp_path):
    watch()
    folder, _ = day_files(tmp_path)
    (folder / "broken.json").write_text('{"trace": ')
    result = run_json(str(folder))
    assert result["errors"] == [
        "broken.json: not JSON (Expecting value: line 1 column 11 (char 10))"
    ]
    assert result["candidates_created"] == 1


def test_staff_upload_runs_the_import_task(
    client, make_user, tmp_path, django_capture_on_commit_callbacks
):
    watch()
    folder, _ = day_files(tmp_path)
    path = next(folder.iterdir())
    # Trace uploads start an import: the one import permission (docs/security.md), as /imports/.
    staff = make_user("staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
        response = client.post(
            reverse("flights:trace_upload"), {"traces": [fh], "licence": "ODbL 1.0"}
        )
    assert response.status_code == 302
    assert LegCandidate.objects.count() == 1
    assert DetectedLeg.objects.first().trace_file.licence == "ODbL 1.0"


def test_a_moderator_edits_and_dismisses_on_the_candidate_page(client, make_user, tmp_path):
    watch()
    rows, _ = fly("a2c4e0", site("KSAT"), [Hop(site("MMMX"), end_airborne_at=0.5)], T0)
    (doc,) = trace_files("a2c4e0", rows)
    import_traces([Blob("t.json", json.dumps(doc).encode())])
    candidate = LegCandidate.objects.get()
    leg = candidate.legs.get()
    client.force_login(make_user("mod", "moderator"))
    page = client.get(reverse("flights:candidate_review", args=[candidate.pk]))
    assert page.status_code == 200 and f'name="leg-{leg.pk}-to"' in page.content.decode()

    bad = client.post(
        reverse("flights:candidate_edit", args=[candidate.pk]), {f"leg-{leg.pk}-to": "ZZZZ"}
    )
    assert bad.status_code == 302
    leg.refresh_from_db()
    assert leg.arrival_airport is None
    client.post(
        reverse("flights:candidate_edit", args=[candidate.pk]),
        {f"leg-{leg.pk}-to": "\x00MEX", "kind": "lateral"},
    )
    leg.refresh_from_db()
    candidate.refresh_from_db()
    assert leg.arrival_airport.icao == "MMMX"
    assert (candidate.kind, candidate.kind_inferred) == ("lateral", False)

    client.post(reverse("flights:candidate_dismiss", args=[candidate.pk]), {"reason": "te\x00st"})
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reason) == (CandidateStatus.DISMISSED, "test")
    again = client.post(reverse("flights:candidate_confirm", args=[candidate.pk]))
    assert again.status_code == 302 and Flight.objects.count() == 0


def test_the_scheduled_feed_reads_its_folder_once(settings, tmp_path):
    from flights.tasks import poll_trace_feeds

    watch()
    folder, _ = day_files(tmp_path)
    settings.ADSB_FEEDS = [str(folder)]
    settings.ADSB_FEED_LICENCE = "ODbL 1.0 (adsb.lol)"
    assert poll_trace_feeds() == 1
    assert poll_trace_feeds() == 0
    assert DetectedLeg.objects.first().trace_file.licence == "ODbL 1.0 (adsb.lol)"


def test_a_missing_path_is_a_command_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot read .*nothing-here"):
        call_command("import_traces", str(tmp_path / "nothing-here"))


def test_a_flight_across_midnight_read_a_day_at_a_time_is_one_leg():
    watch()
    late = dt.datetime(2025, 3, 4, 22, 30, tzinfo=dt.UTC)
    rows, truth = fly("a2c4e0", site("KMIA"), [Hop(site("SEQM"))], late)
    day1, day2 = (
        Blob(f"d{n}.json", json.dumps(d).encode())
        for n, d in enumerate(trace_files("a2c4e0", rows))
    )
    first = import_traces([day1])
    assert [(leg["from"], leg["to"]) for leg in first.legs] == [("KMIA", None)]
    second = import_traces([day2])
    assert [(leg["from"], leg["to"]) for leg in second.legs] == [(None, "SEQM")]
    assert second.candidates_created == 0
    leg = DetectedLeg.objects.get()
    assert (leg.departure_airport.icao, leg.arrival_airport.icao) == ("KMIA", "SEQM")
    assert leg.confidence == "high"
    assert leg.arrival_time.date() > leg.departure_time.date()
    assert import_traces([day2]).candidates_created == 0
    assert DetectedLeg.objects.count() == 1


def test_seed_watch_list_reads_a_csv_of_watched_aircraft_and_the_patterns(tmp_path):
    from flights.models import CallsignPattern

    csv = tmp_path / "watched.csv"
    csv.write_text("ModeS,Registration,Manufacturer\nA1B2C3,N100TS,Airbus\nnothex,N200TS,Airbus\n")
    out = io.StringIO()
    call_command("seed_watch_list", "--csv", str(csv), stdout=out)
    assert "csv_aircraft: 1" in out.getvalue() and "csv_rejected: 1" in out.getvalue()
    assert WatchedAddress.objects.get(icao24="a1b2c3").watched.registration == "N100TS"
    assert set(CallsignPattern.objects.values_list("pattern", flat=True)) == {
        "GXA*",
        "TYSON*",
        "RPN*",
        "SWQ*",
    }
