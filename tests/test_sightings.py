"""Volunteers report sightings: local time, validation, nothing lost on error, my sightings."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from flights.forms import SightingForm
from flights.models import Airport, Sighting, SightingStatus

pytestmark = pytest.mark.django_db


def make_sighting(reporter, airport="KAEX", seen_at=None, **fields) -> Sighting:
    """A pending sighting of N278GX (unless told otherwise) at an airport given by ICAO code."""
    fields.setdefault("registration", "N278GX")
    fields.setdefault("event", "departure")
    return Sighting.objects.create(
        reporter=reporter,
        airport=Airport.objects.get(icao=airport),
        seen_at=seen_at or dt.datetime(2025, 5, 6, 15, 0, tzinfo=dt.UTC),
        **fields,
    )


def sighting_post(**overrides) -> dict:
    data = {
        "airport_code": "AEX",
        "when": "2025-05-06T10:00",
        "event": "departure",
        "registration": "n278gx",
        "callsign": "",
        "aircraft_type": "",
        "operator_text": "GlobalX livery",
        "people_direction": "boarding",
        "people_count": "",
        "people_min": "40",
        "people_max": "60",
        "people_method": "vehicles",
        "vehicles": "3",
        "link": "",
        "notes": "Three white buses at the cargo ramp.",
    }
    data.update(overrides)
    return data


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_local_time_at_the_airport_is_stored_in_utc(reference_data, role_users):
    # Alexandria, Louisiana is on Central Daylight Time (UTC-5) in May.
    form = SightingForm(data=sighting_post())
    assert form.is_valid(), form.errors
    sighting = form.save(reporter=role_users["volunteer"])
    assert sighting.seen_at == dt.datetime(2025, 5, 6, 15, 0, tzinfo=dt.UTC)
    assert sighting.airport.icao == "KAEX"
    assert sighting.local_seen_at.strftime("%H:%M") == "10:00"


def test_it_normalises_registration_and_callsign(reference_data):
    form = SightingForm(data=sighting_post(registration=" n278gx ", callsign="gxa 6051"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["registration"] == "N278GX"
    assert form.cleaned_data["callsign"] == "GXA6051"


def test_it_refuses_a_malformed_registration_next_to_the_field(reference_data):
    form = SightingForm(data=sighting_post(registration="N2/78"))
    assert not form.is_valid()
    assert form.errors["registration"] == [
        '"N2/78" does not look like a registration: letters and digits with an optional dash, '
        "such as N278GX or XA-ABC."
    ]


def test_it_needs_a_registration_or_a_callsign(reference_data):
    form = SightingForm(data=sighting_post(registration="", callsign=""))
    assert not form.is_valid()
    assert form.errors["registration"] == ["Give the registration, the callsign, or both."]


def test_it_refuses_a_sighting_in_the_future_with_a_clear_message(reference_data):
    from zoneinfo import ZoneInfo

    # Two hours from now on New York's clock: still "earlier" than the UTC clock shows.
    local_future = (timezone.now() + dt.timedelta(hours=2)).astimezone(ZoneInfo("America/New_York"))
    form = SightingForm(
        data=sighting_post(airport_code="KJFK", when=local_future.strftime("%Y-%m-%dT%H:%M"))
    )
    assert not form.is_valid()
    [message] = form.errors["when"]
    assert message.startswith("This time is in the future: it is now ")
    assert message.endswith(" at JFK. Enter when you saw the aircraft, in local time there.")


def test_a_time_just_passed_at_the_airport_is_accepted_even_when_ahead_of_utc(reference_data):
    from zoneinfo import ZoneInfo

    # Manila is UTC+8: its wall clock is "ahead" of UTC, yet ten minutes ago there is the past.
    local = (timezone.now() - dt.timedelta(minutes=10)).astimezone(ZoneInfo("Asia/Manila"))
    form = SightingForm(
        data=sighting_post(airport_code="RPLL", when=local.strftime("%Y-%m-%dT%H:%M"))
    )
    assert form.is_valid(), form.errors


def test_it_refuses_an_unknown_airport_with_a_clear_message(reference_data):
    form = SightingForm(data=sighting_post(airport_code="QQQ"))
    assert not form.is_valid()
    assert form.errors["airport_code"] == [
        'Unknown airport "QQQ". Type its code (e.g. AEX or KAEX), or its name or city and pick '
        "from the suggestions."
    ]


def test_it_accepts_the_label_picked_from_the_suggestions(reference_data):
    form = SightingForm(data=sighting_post(airport_code="KAEX — Alexandria International"))
    assert form.is_valid(), form.errors
    assert form.airport.icao == "KAEX"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"people_count": "5"}, "people_count", "Give an exact count or a range, not both."),
        ({"people_min": "70"}, "people_max", "The upper figure (60) is below the lower (70)."),
        ({"people_method": ""}, "people_method", "Say how you counted the people."),
    ],
)
def test_people_figures_are_a_count_or_a_range_with_a_method(
    reference_data, overrides, field, message
):
    form = SightingForm(data=sighting_post(**overrides))
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_an_estimated_single_number_is_stored_as_a_range(reference_data, role_users):
    form = SightingForm(
        data=sighting_post(people_count="30", people_min="", people_max="", people_method="other")
    )
    assert form.is_valid(), form.errors
    sighting = form.save(reporter=role_users["volunteer"])
    assert (sighting.people_count, sighting.people_min, sighting.people_max) == (None, 30, 30)


def test_a_volunteer_submits_a_sighting_and_sees_it_pending(client, reference_data, role_users):
    client.force_login(role_users["volunteer"])
    response = client.post(reverse("flights:sighting_add"), sighting_post(), follow=True)
    sighting = Sighting.objects.get()
    assert response.redirect_chain == [(reverse("flights:sighting_list"), 302)]
    assert sighting.status == SightingStatus.PENDING
    assert sighting.registration == "N278GX"
    assert sighting.reporter == role_users["volunteer"]
    html = response.content.decode()
    assert f"Thank you. Sighting #{sighting.pk} is pending review by a moderator." in html
    assert "Pending review" in html


def test_nothing_typed_is_lost_when_the_form_has_an_error(client, reference_data, role_users):
    client.force_login(role_users["volunteer"])
    photo = io.BytesIO(png_bytes())
    photo.name = "ramp.png"
    data = sighting_post(airport_code="QQQ", notes="Buses at gate 4", photos=photo)
    response = client.post(reverse("flights:sighting_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="QQQ"' in html
    assert 'value="n278gx"' in html
    assert "Buses at gate 4</textarea>" in html
    assert 'value="40"' in html and 'value="60"' in html
    assert "Your photos were not kept because the form had errors: attach them again." in html
    assert Sighting.objects.count() == 0


def test_notes_and_names_are_shown_escaped(client, reference_data, role_users, make_user):
    evil = make_user("<b>evil</b>", "volunteer")
    sighting = make_sighting(
        evil, notes="<script>alert(1)</script>", operator_text='<img src=x onerror="alert(2)">'
    )
    client.force_login(role_users["moderator"])
    for url in (
        reverse("flights:sighting_review", args=[sighting.pk]),
        reverse("flights:sighting_detail", args=[sighting.pk]),
        reverse("flights:moderation_queue"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        assert "<b>evil</b>" not in html
    html = client.get(reverse("flights:sighting_review", args=[sighting.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_my_sightings_lists_only_mine_with_status_and_reason(client, reference_data, role_users):
    mine = make_sighting(role_users["volunteer"], status=SightingStatus.REJECTED, reason="Blurry")
    theirs = make_sighting(role_users["other_volunteer"], registration="N999ZZ")
    client.force_login(role_users["volunteer"])
    html = client.get(reverse("flights:sighting_list")).content.decode()
    assert reverse("flights:sighting_detail", args=[mine.pk]) in html
    assert "Rejected" in html and "Blurry" in html
    assert "N999ZZ" not in html
    assert reverse("flights:sighting_detail", args=[theirs.pk]) not in html


def test_airport_search_finds_by_code_name_and_city(client, reference_data, role_users):
    client.force_login(role_users["volunteer"])
    url = reverse("flights:airport_search")
    by_code = client.get(url, {"q": "aex"}).json()["results"]
    assert by_code[0]["icao"] == "KAEX"
    by_city = client.get(url, {"q": "Alexandria"}).json()["results"]
    assert "KAEX" in {r["icao"] for r in by_city}
    assert client.get(url, {"q": "a"}).json() == {"results": []}


def test_airport_search_is_one_query(client, reference_data, role_users, django_assert_num_queries):
    client.force_login(role_users["volunteer"])
    client.get(reverse("flights:airport_search"), {"q": "xx"})  # warm the session
    # session + user + groups + the search
    with django_assert_num_queries(4):
        client.get(reverse("flights:airport_search"), {"q": "Houston"})


def test_pages_show_the_local_time_at_the_airport_and_utc(client, reference_data, role_users):
    sighting = make_sighting(role_users["volunteer"])  # 15:00 UTC = 10:00 CDT at Alexandria
    client.force_login(role_users["volunteer"])
    detail = client.get(reverse("flights:sighting_detail", args=[sighting.pk])).content.decode()
    assert "2025-05-06 10:00 local time (America/Chicago) · 2025-05-06 15:00 UTC" in detail
    assert (
        "<td>2025-05-06 10:00</td>" in client.get(reverse("flights:sighting_list")).content.decode()
    )
