"""Moderators turn sightings into flight records; every decision is recorded."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from flights import services
from flights.cache import data_version
from flights.choices import Basis, ReviewStatus, SourceKind
from flights.models import Airport, Flight, FlightChange, Sighting, SightingDecision, SightingStatus
from tests.factories import make_aircraft, make_flight, make_source
from tests.test_sightings import make_sighting

pytestmark = pytest.mark.django_db

SEEN = dt.datetime(2025, 5, 6, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def gulfstream(reference_data):
    # A Gulfstream V with 14 seats, as on the ICE Air lateral flights.
    return make_aircraft("N278GX", type_code="", seats=14)


@pytest.fixture
def flight(gulfstream):
    return make_flight(
        route=("KAEX", "MGGT"),
        date=SEEN.date(),
        aircraft=gulfstream,
        times=[(SEEN + dt.timedelta(minutes=20), SEEN + dt.timedelta(hours=3))],
    )


def test_approving_attaches_the_sighting_and_updates_status_and_counts(client, flight, role_users):
    sighting = make_sighting(
        role_users["volunteer"], people_min=8, people_max=30, people_method="vehicles"
    )
    client.force_login(role_users["moderator"])
    leg = flight.legs.get()
    response = client.post(
        reverse("flights:sighting_attach", args=[sighting.pk]),
        {"flight": flight.pk, "leg": leg.pk, "reason": ""},
    )
    assert response.status_code == 302
    sighting.refresh_from_db()
    flight.refresh_from_db()
    assert sighting.status == SightingStatus.APPROVED
    assert (sighting.flight_id, sighting.leg_id) == (flight.pk, leg.pk)
    assert sighting.moderated_by == role_users["moderator"]
    # The factory's news source and the volunteer: two independent sources.
    assert flight.status == ReviewStatus.CONFIRMED
    # 8–30 estimated from vehicles, held to the 14 seats of the Gulfstream.
    assert (flight.pax_count, flight.pax_min, flight.pax_max) == (None, 8, 14)
    assert flight.pax_basis == Basis.ESTIMATED
    assert flight.pax_method == f"estimated from vehicles by a volunteer (sighting #{sighting.pk})"
    assert flight.flight_sources.filter(source__kind=SourceKind.VOLUNTEER).count() == 1
    change = FlightChange.objects.get(flight=flight, action="sighting_attached")
    assert change.actor == role_users["moderator"]
    assert change.summary == "Volunteer sighting at AEX (departure) attached (leg 1)"
    assert change.changes["status"] == ["reported", "confirmed"]
    assert change.changes["pax_max"] == [None, 14]
    assert change.changes["sighting"] == sighting.pk
    decision = SightingDecision.objects.get(sighting=sighting)
    assert (decision.action, decision.actor, decision.flight) == (
        "sighting_attached",
        role_users["moderator"],
        flight,
    )


def test_a_counted_figure_becomes_an_observed_count_within_the_seats(flight, role_users):
    sighting = make_sighting(
        role_users["volunteer"],
        people_count=20,
        people_method="counted",
        people_direction="boarding",
    )
    services.attach_sighting(sighting, flight, role_users["moderator"])
    flight.refresh_from_db()
    assert flight.pax_count == 14
    assert flight.pax_basis == Basis.OBSERVED
    assert (
        flight.pax_method
        == f"counted by a volunteer (sighting #{sighting.pk}); held to the 14 seats"
    )


def test_a_reported_count_outranks_what_volunteers_saw(flight, role_users):
    Flight.objects.filter(pk=flight.pk).update(pax_count=12, pax_basis=Basis.REPORTED)
    flight.refresh_from_db()
    sighting = make_sighting(role_users["volunteer"], people_count=9, people_method="counted")
    services.attach_sighting(sighting, flight, role_users["moderator"])
    flight.refresh_from_db()
    assert (flight.pax_count, flight.pax_basis) == (12, Basis.REPORTED)


def test_two_sightings_by_one_volunteer_are_not_two_independent_sources(reference_data, role_users):
    lone = make_flight(route=("KAEX", "MGGT"), date=SEEN.date(), source=None)
    lone.flight_sources.all().delete()
    first = make_sighting(role_users["volunteer"])
    second = make_sighting(role_users["volunteer"], seen_at=SEEN + dt.timedelta(hours=1))
    services.attach_sighting(first, lone, role_users["moderator"])
    services.attach_sighting(second, lone, role_users["moderator"])
    lone.refresh_from_db()
    assert services.independent_support(lone) == 1
    assert lone.status == ReviewStatus.REPORTED
    third = make_sighting(role_users["other_volunteer"])
    services.attach_sighting(third, lone, role_users["moderator"])
    lone.refresh_from_db()
    assert lone.status == ReviewStatus.CONFIRMED


def test_a_moderator_can_verify_a_flight_with_one_source(reference_data, role_users):
    lone = make_flight(route=("KAEX", "MGGT"), date=SEEN.date())
    lone.flight_sources.all().delete()
    sighting = make_sighting(role_users["volunteer"])
    services.attach_sighting(sighting, lone, role_users["moderator"], verified=True)
    lone.refresh_from_db()
    assert lone.status == ReviewStatus.CONFIRMED


def test_a_moderator_creates_a_new_flight_from_a_sighting(client, gulfstream, role_users):
    sighting = make_sighting(role_users["volunteer"], callsign="GXA6051")
    client.force_login(role_users["moderator"])
    response = client.post(
        reverse("flights:sighting_create_flight", args=[sighting.pk]),
        {"other_airport": "MGGT", "reason": "Matches the ICE Air schedule"},
    )
    assert response.status_code == 302
    sighting.refresh_from_db()
    flight = sighting.flight
    assert flight.route == "AEX → GUA"
    assert flight.aircraft == gulfstream
    assert flight.callsign == "GXA6051"
    assert flight.status == ReviewStatus.REPORTED
    leg = flight.legs.get()
    assert leg.departure_time == SEEN and leg.departure_basis == Basis.OBSERVED
    assert list(flight.history.order_by("id").values_list("action", flat=True)) == [
        "created_from_sighting",
        "sighting_approved",
    ]


def test_a_new_flight_without_the_other_end_keeps_the_airport_seen(reference_data, role_users):
    sighting = make_sighting(role_users["volunteer"], event="arrival", airport="MGGT")
    flight = services.create_flight_from_sighting(sighting, role_users["moderator"])
    assert flight.destination.icao == "MGGT"
    assert flight.destination_country_id == "GT"
    assert flight.legs.count() == 0


def test_the_flight_page_shows_the_sighting_without_naming_the_volunteer(
    client, flight, make_user, role_users
):
    reporter = make_user("Jane.Fence", "volunteer", first_name="Jane", last_name="Doe")
    sighting = make_sighting(reporter)
    services.attach_sighting(sighting, flight, role_users["moderator"])
    html = client.get(reverse("flights:flight_detail", args=[flight.pk])).content.decode()
    assert "Volunteer sighting · 2025-05-06 15:00 UTC · departure at AEX" in html
    assert "Jane" not in html and "Doe" not in html and "fence" not in html.lower()
    assert "sighting_attached" in html  # the decision is in the flight's history


def test_pending_sightings_are_not_on_public_pages(client, flight, role_users):
    make_sighting(role_users["volunteer"], seen_at=SEEN + dt.timedelta(minutes=7))
    html = client.get(reverse("flights:flight_detail", args=[flight.pk])).content.decode()
    assert "15:07" not in html
    assert "Volunteer sighting" not in html


def test_mark_duplicate_records_it_on_the_original_flight(flight, role_users):
    original = make_sighting(role_users["volunteer"])
    services.attach_sighting(original, flight, role_users["moderator"])
    repeat = make_sighting(role_users["other_volunteer"])
    services.mark_duplicate(repeat, original, role_users["moderator"])
    repeat.refresh_from_db()
    assert repeat.status == SightingStatus.DUPLICATE
    assert repeat.duplicate_of == original
    assert repeat.reason == f"Already reported as sighting #{original.pk}."
    change = FlightChange.objects.get(flight=flight, action="sighting_duplicate")
    assert change.changes == {"sighting": repeat.pk, "duplicate_of": original.pk}


def test_reject_needs_a_reason_and_the_volunteer_sees_it(client, reference_data, role_users):
    sighting = make_sighting(role_users["volunteer"])
    client.force_login(role_users["moderator"])
    url = reverse("flights:sighting_reject", args=[sighting.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    client.post(url, {"reason": "The photo shows a different aircraft."})
    sighting.refresh_from_db()
    assert sighting.status == SightingStatus.REJECTED
    client.force_login(role_users["volunteer"])
    html = client.get(reverse("flights:sighting_list")).content.decode()
    assert "The photo shows a different aircraft." in html


def test_a_decided_sighting_cannot_be_decided_again(client, reference_data, role_users):
    sighting = make_sighting(role_users["volunteer"])
    services.reject_sighting(sighting, role_users["moderator"], "Blurry")
    with pytest.raises(services.ModerationError, match="already decided: Rejected"):
        services.create_flight_from_sighting(sighting, role_users["moderator"])
    assert Flight.objects.count() == 0


def test_attaching_to_a_missing_flight_says_so_next_to_the_field(
    client, reference_data, role_users
):
    sighting = make_sighting(role_users["volunteer"])
    client.force_login(role_users["moderator"])
    response = client.post(
        reverse("flights:sighting_attach", args=[sighting.pk]), {"flight": 999999}
    )
    assert response.status_code == 400
    assert "There is no flight 999999." in response.content.decode()


def test_the_queue_is_oldest_first_with_likely_matches(client, flight, role_users):
    later = make_sighting(role_users["volunteer"], registration="N111AA")
    earlier = make_sighting(role_users["volunteer"])
    Sighting.objects.filter(pk=earlier.pk).update(created_at=later.created_at - dt.timedelta(1))
    client.force_login(role_users["moderator"])
    html = client.get(reverse("flights:moderation_queue")).content.decode()
    assert html.index(f"#{earlier.pk} N278GX") < html.index(f"#{later.pk} N111AA")
    assert f'Likely flight <a href="/flights/{flight.pk}/">{flight.pk}</a>: leg 1 AEX → GUA' in html


def test_likely_matches_keep_to_12_hours_and_the_airport(flight, reference_data, role_users):
    near = make_sighting(role_users["volunteer"], seen_at=SEEN + dt.timedelta(hours=11))
    late = make_sighting(role_users["volunteer"], seen_at=SEEN + dt.timedelta(hours=13))
    elsewhere = make_sighting(role_users["volunteer"], airport="KIAH")
    by_callsign = make_sighting(role_users["volunteer"], registration="", callsign="GXA6051")
    flight.callsign = "GXA6051"
    flight.save()
    found = services.likely_matches([near, late, elsewhere, by_callsign])
    assert [leg.flight_id for leg in found[near.pk].legs] == [flight.pk]
    assert found[late.pk].legs == []
    assert found[elsewhere.pk].legs == []
    assert [leg.flight_id for leg in found[by_callsign.pk].legs] == [flight.pk]
    assert {s.pk for s in found[near.pk].sightings} == {late.pk}  # 2 hours apart


def test_the_queue_runs_a_fixed_number_of_queries(
    client, flight, role_users, django_assert_max_num_queries
):
    client.force_login(role_users["moderator"])
    make_sighting(role_users["volunteer"])
    client.get(reverse("flights:moderation_queue"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("flights:moderation_queue"))
    for hour in range(10):
        make_sighting(role_users["volunteer"], seen_at=SEEN + dt.timedelta(minutes=hour))
    with CaptureQueriesContext(connection) as eleven:
        client.get(reverse("flights:moderation_queue"))
    assert len(eleven.captured_queries) == len(one.captured_queries)


def test_approval_bumps_the_cache_version(flight, role_users, django_capture_on_commit_callbacks):
    before = data_version()
    sighting = make_sighting(role_users["volunteer"])
    with django_capture_on_commit_callbacks(execute=True):
        services.attach_sighting(sighting, flight, role_users["moderator"])
    assert data_version() != before


def test_admin_bulk_approve_and_reject_use_the_queue_services(
    client, flight, make_user, role_users
):
    staff_mod = make_user("staffmod", "moderator", is_staff=True)
    matching = make_sighting(role_users["volunteer"])
    unmatched = make_sighting(role_users["volunteer"], registration="N555QQ", airport="KIAH")
    client.force_login(staff_mod)
    url = reverse("admin:flights_sighting_changelist")
    response = client.post(
        url, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [matching.pk, unmatched.pk]}
    )
    assert response.status_code == 302
    matching.refresh_from_db()
    unmatched.refresh_from_db()
    assert matching.flight == flight  # the one likely flight
    assert unmatched.status == SightingStatus.APPROVED
    assert unmatched.flight.origin == Airport.objects.get(icao="KIAH")  # a new flight
    assert FlightChange.objects.filter(actor=staff_mod, action="sighting_attached").count() == 1

    to_reject = make_sighting(role_users["volunteer"], registration="N777RR")
    form = client.post(url, {"action": "reject_selected", ACTION_CHECKBOX_NAME: [to_reject.pk]})
    assert form.status_code == 200
    assert "Reason (shown to each volunteer)" in form.content.decode()
    client.post(
        url,
        {
            "action": "reject_selected",
            ACTION_CHECKBOX_NAME: [to_reject.pk],
            "reason": "Not a charter",
        },
    )
    to_reject.refresh_from_db()
    assert (to_reject.status, to_reject.reason) == (SightingStatus.REJECTED, "Not a charter")
    assert SightingDecision.objects.get(sighting=to_reject).actor == staff_mod


def test_admin_bulk_actions_refuse_staff_who_are_not_moderators(client, reference_data, make_user):
    from django.contrib.auth.models import Permission

    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_sighting", "change_sighting"])
    )
    sighting = make_sighting(clerk)
    client.force_login(clerk)
    client.post(
        reverse("admin:flights_sighting_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [sighting.pk]},
    )
    sighting.refresh_from_db()
    assert sighting.status == SightingStatus.PENDING


def test_an_unrelated_source_still_counts_once(reference_data, role_users):
    lone = make_flight(route=("KAEX", "MGGT"), date=SEEN.date(), source=make_source("ICE Air list"))
    assert services.independent_support(lone) == 1


def test_several_estimates_combine_into_one_range_naming_each_sighting(reference_data, role_users):
    unseated = make_flight(route=("KAEX", "MGGT"), date=SEEN.date())
    first = make_sighting(
        role_users["volunteer"], people_min=10, people_max=20, people_method="vehicles"
    )
    second = make_sighting(
        role_users["other_volunteer"], people_min=15, people_max=30, people_method="other"
    )
    services.attach_sighting(first, unseated, role_users["moderator"])
    services.attach_sighting(second, unseated, role_users["moderator"])
    unseated.refresh_from_db()
    assert (unseated.pax_min, unseated.pax_max, unseated.pax_basis) == (15, 30, Basis.ESTIMATED)
    assert unseated.pax_method == (
        f"estimated from vehicles and other by volunteers (sightings #{first.pk}, #{second.pk})"
    )


def test_a_moderator_cannot_decide_on_their_own_sighting(client, reference_data, role_users):
    own = make_sighting(role_users["moderator"])
    client.force_login(role_users["moderator"])
    response = client.post(
        reverse("flights:sighting_reject", args=[own.pk]), {"reason": "mine"}, follow=True
    )
    assert "You reported this sighting: another moderator must decide on it." in (
        response.content.decode()
    )
    own.refresh_from_db()
    assert own.status == SightingStatus.PENDING


def test_admin_pages_render_with_decisions_read_only(client, flight, make_user, role_users):
    staff_mod = make_user("staffmod", "moderator", is_staff=True)
    sighting = make_sighting(role_users["volunteer"], notes="<b>bold</b>")
    services.attach_sighting(sighting, flight, role_users["moderator"])
    client.force_login(staff_mod)
    assert client.get(reverse("admin:flights_sighting_changelist")).status_code == 200
    page = client.get(reverse("admin:flights_sighting_change", args=[sighting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="flight"' not in html and 'name="status"' not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
