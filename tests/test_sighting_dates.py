"""Sighting times lie in the one date window (flights/dates.py); a stored extreme breaks nothing.

A volunteer once sent `0001-01-01T00:00` at KAEX: it was stored, and the moderation queue, the
review page and the admin's approve action answered 500 for every moderator (date arithmetic
twelve hours before year 1 overflows). `9999-12-31T23:59` at KAEX, or year 1 at ZBAA (UTC+8),
answered 500 on submit.
"""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from flights import services
from flights.dates import EARLIEST
from flights.forms import SightingForm
from flights.models import Sighting, SightingStatus
from tests.test_sightings import make_sighting, sighting_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("airport", "when"),
    [
        ("KAEX", "0001-01-01T00:00"),
        ("ZBAA", "0001-01-01T00:00"),
        ("KAEX", "9999-12-31T23:59"),
        ("ZBAA", "9999-12-31T23:59"),
        ("KAEX", "1989-12-31T12:00"),
    ],
)
def test_a_time_outside_the_window_is_refused_next_to_the_field(reference_data, airport, when):
    form = SightingForm(data=sighting_post(airport_code=airport, when=when))
    assert not form.is_valid()
    assert list(form.errors) == ["when"]


def test_a_time_before_1990_names_the_earliest_date(reference_data):
    form = SightingForm(data=sighting_post(when="0001-01-01T00:00"))
    assert not form.is_valid()
    assert form.errors["when"] == [
        f"0001-01-01 is before {EARLIEST.isoformat()}, the earliest date the tracker accepts."
    ]


def test_a_time_far_in_the_future_answers_a_form_error_not_a_500(
    client, reference_data, role_users
):
    client.force_login(role_users["volunteer"])
    for airport in ("KAEX", "ZBAA"):
        for when in ("0001-01-01T00:00", "9999-12-31T23:59"):
            response = client.post(
                reverse("flights:sighting_add"), sighting_post(airport_code=airport, when=when)
            )
            assert response.status_code == 200, (airport, when)
    assert Sighting.objects.count() == 0


def test_the_window_applies_to_the_utc_date_too(reference_data):
    # Half past midnight on the first day in Beijing is still 1989 in UTC.
    form = SightingForm(data=sighting_post(airport_code="ZBAA", when="1990-01-01T00:30"))
    assert not form.is_valid()
    assert form.errors["when"] == [
        "1989-12-31 is before 1990-01-01, the earliest date the tracker accepts."
    ]


def test_the_first_day_of_the_window_is_accepted(reference_data):
    form = SightingForm(data=sighting_post(airport_code="KAEX", when="1990-01-01T12:00"))
    assert form.is_valid(), form.errors


@pytest.fixture
def year_one(reference_data, role_users):
    """A sighting stored at year 1, as rows written before the window existed may be."""
    return make_sighting(role_users["volunteer"], seen_at=dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC))


@pytest.fixture
def year_9999(reference_data, role_users):
    return make_sighting(
        role_users["volunteer"],
        registration="N111AA",
        seen_at=dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
    )


def test_likely_matches_survive_stored_extreme_times(year_one, year_9999):
    found = services.likely_matches([year_one, year_9999])
    assert found[year_one.pk].legs == [] and found[year_one.pk].sightings == []
    assert found[year_9999.pk].legs == [] and found[year_9999.pk].sightings == []


def test_the_queue_and_review_page_open_with_a_year_one_sighting(
    client, year_one, year_9999, role_users
):
    client.force_login(role_users["moderator"])
    assert client.get(reverse("flights:moderation_queue")).status_code == 200
    for sighting in (year_one, year_9999):
        review = client.get(reverse("flights:sighting_review", args=[sighting.pk]))
        assert review.status_code == 200


def test_the_admin_refuses_to_approve_a_year_one_sighting_with_a_message(
    client, year_one, make_user, role_users
):
    staff_mod = make_user("staffmod", "moderator", is_staff=True)
    client.force_login(staff_mod)
    response = client.post(
        reverse("admin:flights_sighting_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [year_one.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        f"Sighting #{year_one.pk} cannot be approved: 0001-01-01 is before 1990-01-01, the "
        "earliest date the tracker accepts. Correct its time first."
    ]
    year_one.refresh_from_db()
    assert year_one.status == SightingStatus.PENDING


def test_a_year_one_sighting_can_still_be_rejected(year_one, role_users):
    services.reject_sighting(year_one, role_users["moderator"], "Impossible time")
    year_one.refresh_from_db()
    assert year_one.status == SightingStatus.REJECTED
