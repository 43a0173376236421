"""A volunteer reports a sighting from a phone-sized screen and sees it pending."""

import pytest

from flights.models import Sighting, SightingStatus
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def log_in_to_the_sighting_form(page) -> None:
    page.goto("/accounts/login/?next=/sightings/new/")
    page.fill("#id_username", "fencewatcher")
    page.fill("#id_password", "plane-spotting-at-dawn-42")
    page.click("button[type=submit]")
    page.wait_for_url("**/sightings/new/")


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_a_volunteer_reports_a_sighting_on_a_phone(
    page, transactional_db, reference_data, make_user
):
    make_user("fencewatcher", "volunteer", password="plane-spotting-at-dawn-42")

    log_in_to_the_sighting_form(page)

    # The form fits the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#id_airport_code", "Alexandria")
    # The suggestions come from our own JSON endpoint.
    suggestions = page.locator("#airport-suggestions option")
    suggestions.first.wait_for(state="attached", timeout=5000)
    options = [suggestions.nth(i).get_attribute("value") for i in range(suggestions.count())]
    aex = next(value for value in options if value.startswith("AEX — "))
    page.fill("#id_airport_code", aex)
    page.fill("#id_when", "2025-05-06T10:00")
    page.check("input[name=event][value=departure]")
    page.fill("#id_registration", "n278gx")
    page.select_option("#id_people_direction", "boarding")
    page.fill("#id_people_min", "40")
    page.fill("#id_people_max", "60")
    page.select_option("#id_people_method", "vehicles")
    page.fill("#id_vehicles", "3")
    page.fill("#id_notes", "Three buses at the cargo ramp.")
    page.click("button.primary")

    page.wait_for_url("**/sightings/mine/")
    sighting = Sighting.objects.get()
    assert sighting.status == SightingStatus.PENDING
    assert sighting.registration == "N278GX"
    assert sighting.seen_at.isoformat() == "2025-05-06T15:00:00+00:00"
    row = page.locator("table.sightings tbody tr").first
    assert "N278GX" in row.inner_text()
    assert "Pending review" in row.inner_text()
    assert f"Sighting #{sighting.pk} is pending review" in page.locator(".messages").inner_text()


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_errors_show_next_to_the_field_on_a_phone(
    page, transactional_db, reference_data, make_user
):
    make_user("fencewatcher", "volunteer", password="plane-spotting-at-dawn-42")
    log_in_to_the_sighting_form(page)
    page.fill("#id_airport_code", "QQQ")
    page.fill("#id_when", "2025-05-06T10:00")
    page.check("input[name=event][value=arrival]")
    page.fill("#id_callsign", "gxa6051")
    page.click("button.primary")
    error = page.locator("#id_airport_code_error, .errorlist").first
    assert 'Unknown airport "QQQ"' in error.inner_text()
    assert page.input_value("#id_callsign") == "gxa6051"
    assert page.input_value("#id_when") == "2025-05-06T10:00"
    assert Sighting.objects.count() == 0


def test_a_moderator_turns_a_sighting_into_a_flight(
    page, transactional_db, reference_data, make_user
):
    import datetime as dt

    from tests.test_sightings import make_sighting

    reporter = make_user("Jane.Fence", "volunteer", first_name="Jane")
    sighting = make_sighting(
        reporter,
        seen_at=dt.datetime(2025, 5, 6, 15, 0, tzinfo=dt.UTC),
        people_min=10,
        people_max=20,
        people_method="vehicles",
    )
    make_user("mod", "moderator", password="moderating-is-careful-work")
    page.goto("/accounts/login/?next=/moderation/")
    page.fill("#id_username", "mod")
    page.fill("#id_password", "moderating-is-careful-work")
    page.click("button[type=submit]")
    page.wait_for_url("**/moderation/")
    page.click(f"text=#{sighting.pk} N278GX")
    page.wait_for_url(f"**/moderation/{sighting.pk}/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderation_review.png"), full_page=True)
    page.fill("#id_other_airport", "MGGT")
    page.click("text=Create flight")
    page.wait_for_url("**/moderation/")
    assert "Nothing to review." in page.inner_text("main")
    sighting.refresh_from_db()
    page.goto(f"/flights/{sighting.flight_id}/")
    main = page.inner_text("main")
    assert "Volunteer sighting · 2025-05-06 15:00 UTC · departure at AEX" in main
    assert "Jane" not in main
    assert "AEX → GUA" in main
