"""The public pages, the sighting form and the alert pages render in Spanish in a browser.

Besides a few exact Spanish strings per page, every page is checked against the catalogue: no
English sentence the catalogue translates may appear in the page's visible text.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

from flights.models import Airport, Sighting
from tests.factories import make_aircraft, make_flight

pytestmark = pytest.mark.browser
PASSWORD = "plane-spotting-at-dawn-42"


def english_sentences() -> list[str]:
    """English msgids of whole phrases (no placeholders or markup) that Spanish changes."""
    path = Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale="es")
    return [
        m.id
        for m in catalog
        if isinstance(m.id, str)
        and len(m.id.split()) >= 3
        and m.string != m.id
        and not re.search(r"[%<&]", m.id)
    ]


def assert_spanish(page, *expected: str) -> None:
    assert page.locator("html").get_attribute("lang") == "es"
    text = page.inner_text("body")
    for phrase in expected:
        assert phrase in text, f"{phrase!r} missing from {page.url}"
    leftovers = [s for s in english_sentences() if s in text]
    assert leftovers == [], f"English left on {page.url}: {leftovers}"


@pytest.fixture
def records(transactional_db, reference_data, make_user):
    volunteer = make_user("fencewatcher", "volunteer", password=PASSWORD)
    make_flight(
        ("KAEX", "MGGT"), date=dt.date(2025, 5, 6), status="confirmed", aircraft=make_aircraft()
    )
    sighting = Sighting.objects.create(
        reporter=volunteer,
        seen_at=dt.datetime(2025, 5, 6, 15, 0, tzinfo=dt.UTC),
        airport=Airport.objects.get(icao="KAEX"),
        event="departure",
        registration="N278GX",
    )
    return {"volunteer": volunteer, "sighting": sighting}


def test_the_public_pages_render_in_spanish_and_the_switch_returns_to_english(page, records):
    page.goto("/es/")
    assert_spanish(page, "Vuelos recientes", "06/05/2025", "Deportación", "Confirmado")
    page.goto("/es/alerts/subscribe/?url=/airports/KAEX/")
    assert_spanish(page, "Reciba una alerta de nuevos vuelos", "Su dirección de correo electrónico")
    page.goto("/es/accounts/login/")
    assert_spanish(page, "Iniciar sesión", "¿Olvidó su contraseña?")
    page.goto("/es/accounts/password_reset/")
    assert_spanish(page, "Restablecer contraseña", "Enviar el enlace")
    page.click("a[hreflang=en]")
    page.wait_for_url(re.compile(r".*/accounts/password_reset/$"))
    assert "/es/" not in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Reset password" in page.inner_text("h1")


def test_a_volunteer_uses_the_sighting_form_in_spanish(page, records):
    page.goto("/es/accounts/login/?next=/es/sightings/new/")
    page.fill("#id_username", "fencewatcher")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/es/sightings/new/")
    assert_spanish(
        page,
        "Reportar un avistamiento",
        "Dónde y cuándo",
        "Cuándo (hora local del aeropuerto)",
        "Salida",
        "Enviar avistamiento",
    )
    page.click("button.primary")  # empty: the errors come back in Spanish
    # "Este campo es requerido." is Django's own Spanish for a required field.
    assert_spanish(page, "Corrija los campos marcados abajo.", "Este campo es requerido.")
    page.goto("/es/sightings/mine/")
    assert_spanish(page, "Mis avistamientos", "Pendiente de revisión")
    page.goto(f"/es/sightings/{records['sighting'].pk}/")
    assert_spanish(page, f"Avistamiento n.º {records['sighting'].pk}", "Qué se vio", "Salida")
    page.goto("/es/accounts/password_change/")
    assert_spanish(page, "Cambiar contraseña")
    page.click("header form button")  # log out: back to the Spanish home page
    page.wait_for_url(re.compile(r".*/es/$"))
    assert_spanish(page, "Vuelos recientes", "Iniciar sesión")


def test_every_public_page_renders_in_spanish_with_no_english_left(page, records):
    from django.urls import reverse
    from django.utils import translation

    from flights.models import Flight

    flight = Flight.objects.get()
    pages = [
        ("flights:dashboard", [], "Resumen"),
        ("flights:route_map", [], "Mapa de rutas"),
        ("flights:flight_list", [], "Todos los vuelos"),
        ("flights:flight_detail", [flight.pk], "Tramos"),
        ("flights:airport_detail", ["KAEX"], "Salidas y llegadas por mes"),
        ("flights:aircraft_detail", [flight.aircraft.registration], "Operador registrado"),
        ("flights:country_detail", ["GT"], "Desde dónde despegaron estos vuelos"),
        ("flights:airport_list", [], "Aeropuertos"),
        ("flights:report_index", [], "Informes mensuales"),
        ("flights:monthly_report", ["2025-05"], "Vuelos por tipo"),
        ("flights:reconciliation", [], "Cobertura por mes"),
        ("flights:people", [], "Personas, nacionalidad y costo"),
        ("flights:methodology", [], "Cómo se obtienen estas cifras"),
    ]
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for name, args, expected in pages:
        with translation.override("es"):
            url = reverse(name, args=args)
        page.goto(url)
        assert_spanish(page, expected)
        page.screenshot(path=str(artifacts / f"es-{name.split(':')[1]}.png"), full_page=True)
