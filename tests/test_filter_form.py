"""The filter form written in Python (flights.filter_form) writes what Django's widgets write."""

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict

from flights import filter_form
from flights.filters import FlightFilterForm

QUERIES = [
    "",
    "synthetic=include",
    "start=2024-01-01&kind=removal&kind=lateral&status=reported&synthetic=include"
    "&operator=globalx&source=foia&aircraft=n123&airport=KAEX",
    "start=bad&end=2020-01-01&country=%3Cb%3E&kind=zz&synthetic=nope",
]


def _form(query: str) -> FlightFilterForm:
    form = FlightFilterForm(QueryDict(query) if query else None)
    form.is_valid()
    return form


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES)
def test_every_filter_widget_is_written_as_djangos_templates_write_it(reference_data, query):
    form = _form(query)
    for field in form:
        quick = filter_form.widget_markup(field)
        form.renderer = DjangoTemplates()
        assert quick == str(field), field.name
        form.renderer = FlightFilterForm.default_renderer


@pytest.mark.django_db
def test_the_form_keeps_its_fields_labels_errors_and_the_sort(reference_data):
    active = filter_form.render(_form("start=2024-01-01"), path="/flights/")
    assert active.startswith('<details class="filters" open><summary>Filters (active)</summary>')
    form = _form("start=bad&country=%3Cb%3E&synthetic=include")
    html = filter_form.render(form, path="/flights/", sort="-distance")
    assert html.startswith('<details class="filters" open><summary>Filters</summary>')
    for name in FlightFilterForm.NAMES:
        assert f'name="{name}"' in html, name
    assert '<label for="id_country">Destination country</label>' in html
    assert '<fieldset class="filter-field"><legend>Kind</legend><div id="id_kind">' in html
    assert '<ul class="errorlist" id="id_start_error"><li>Enter a valid date.</li></ul>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert '<input type="hidden" name="sort" value="-distance">' in html
    assert '<a href="/flights/">Clear</a>' in html
    assert 'data-options="/filters/options.json"' in html


@pytest.mark.django_db
def test_an_unfiltered_form_is_closed_and_keeps_no_default_sort(reference_data):
    html = filter_form.render(_form(""), path="/dashboard/", sort="-date")
    assert html.startswith('<details class="filters"><summary>Filters</summary>')
    assert 'name="sort"' not in html
