import datetime as dt

import pytest
from django.http import QueryDict

from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.filters import FlightFilterForm
from flights.models import Leg, Operator
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.django_db


def form_for(query: str) -> FlightFilterForm:
    return FlightFilterForm(QueryDict(query))


@pytest.fixture
def flights(reference_data):
    operator = Operator.objects.get_or_create(name="Filter Air")[0]
    aircraft = make_aircraft("N900FA")
    return {
        "guatemala": make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 10)),
        "china": make_flight(
            ("KIWA", "PANC", "ZYTX"),
            date=dt.date(2024, 3, 30),
            aircraft=aircraft,
            operator=operator,
            source=make_source("FOIA release", kind=SourceKind.FOIA),
        ),
        "domestic": make_flight(
            ("KHRL", "KAEX"),
            date=dt.date(2024, 6, 1),
            kind=FlightKind.DOMESTIC,
            status=ReviewStatus.CONFIRMED,
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"guatemala", "china", "domestic"}),
        ("start=2024-02-01", {"china", "domestic"}),
        ("end=2024-03-30", {"guatemala", "china"}),
        ("start=2024-03-30&end=2024-03-30", {"china"}),
        ("country=cn", {"china"}),
        ("airport=AEX", {"guatemala"}),
        ("airport=kiwa", {"china"}),
        ("aircraft=n900fa", {"china"}),
        ("kind=domestic", {"domestic"}),
        ("kind=domestic&kind=removal", {"guatemala", "china", "domestic"}),
        ("status=confirmed", {"domestic"}),
        ("source=foia", {"china"}),
        ("source=news", {"guatemala", "domestic"}),
        ("country=GT&kind=domestic", set()),
    ],
)
def test_each_filter_narrows_the_flights(flights, query, expected):
    matched = set(form_for(query).filter_flights().values_list("pk", flat=True))
    assert matched == {flights[name].pk for name in expected}


def test_operator_filter_takes_the_operator_id(flights):
    operator = Operator.objects.get(name="Filter Air")
    form = form_for(f"operator={operator.pk}")
    assert list(form.filter_flights()) == [flights["china"]]


def test_filter_legs_returns_the_legs_of_matching_flights(flights):
    legs = form_for("country=CN").filter_legs()
    assert sorted(legs.values_list("sequence", flat=True)) == [1, 2]
    assert form_for("").filter_legs().count() == Leg.objects.count() == 4


def test_source_filter_does_not_repeat_a_flight_with_two_matching_sources(flights):
    from flights.models import FlightSource

    FlightSource.objects.create(
        flight=flights["china"], source=make_source("Another FOIA", kind=SourceKind.FOIA)
    )
    assert form_for("source=foia").filter_flights().count() == 1


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("airport=ZZZZ", "airport", "Unknown airport code “ZZZZ”."),
        ("country=xx", "country", "Unknown country code “XX”."),
        ("start=2024-05-01&end=2024-01-01", "end", "The end date is before the start date."),
        ("start=yesterday", "start", "Enter a valid date."),
        ("kind=bogus", "kind", "Select a valid choice. bogus is not one of the available choices."),
    ],
)
def test_it_explains_bad_filters_and_filters_nothing(flights, query, field, message):
    form = form_for(query)
    assert form.errors[field] == [message]
    assert form.filter_flights().count() == 3


def test_equal_filters_share_a_cache_key_and_different_ones_do_not(flights):
    a = form_for("kind=removal&kind=domestic&country=cn&airport=AEX")
    b = form_for("airport=KAEX&country=CN&kind=domestic&kind=removal")
    c = form_for("kind=removal&country=CN&airport=AEX")
    assert a.cache_key() == b.cache_key()
    assert a.cache_key() != c.cache_key()


def test_querystring_keeps_the_submitted_filters_for_links(flights):
    form = form_for("country=CN&kind=removal&kind=lateral&page=3&sort=date&start=")
    assert form.querystring() == "country=CN&kind=removal&kind=lateral"
    assert form.querystring(sort="-legs") == "country=CN&kind=removal&kind=lateral&sort=-legs"
    assert form_for("").is_filtered() is False
    assert form.is_filtered() is True


def test_operator_filter_takes_the_operator_slug_or_name(flights):
    for value in ("filter-air", "Filter Air"):
        assert list(form_for(f"operator={value}").filter_flights()) == [flights["china"]]


def test_an_unknown_operator_is_an_error_not_every_flight(flights):
    form = form_for("operator=nobody-air")
    assert form.errors["operator"] == [
        "Select a valid choice. nobody-air is not one of the available choices."
    ]


def test_country_filter_takes_a_country_name(flights):
    assert list(form_for("country=china").filter_flights()) == [flights["china"]]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=1989-12-31", "start", "1989-12-31 is before 1990-01-01, the earliest date"),
        ("end=9999-12-31", "end", "9999-12-31 is more than one day in the future."),
        ("start=1000-01-01", "start", "1000-01-01 is before 1990-01-01"),
    ],
)
def test_dates_outside_the_window_are_errors(flights, query, field, message):
    form = form_for(query)
    assert message in form.errors[field][0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"real"}),
        ("synthetic=exclude", {"real"}),
        ("synthetic=include", {"real", "synthetic"}),
        ("synthetic=only", {"synthetic"}),
    ],
)
def test_synthetic_flights_are_left_out_unless_asked_for(reference_data, query, expected):
    made = {
        "real": make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 10)),
        "synthetic": make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 11), is_synthetic=True),
    }
    form = form_for(query)
    assert set(form.filter_flights()) == {made[name] for name in expected}
    assert set(form.filter_legs().values_list("flight", flat=True)) == {
        made[name].pk for name in expected
    }


def test_synthetic_bogus_is_an_error(flights):
    assert "synthetic" in form_for("synthetic=all").errors


def test_the_default_synthetic_setting_is_not_an_active_filter(flights):
    assert form_for("synthetic=exclude").is_filtered() is False
    assert form_for("synthetic=include").is_filtered() is True
    assert form_for("").cache_key() == form_for("synthetic=exclude").cache_key()


def test_plain_values_filter_like_the_form(flights):
    from flights.filters import FilterValues

    values = form_for("country=CN&kind=removal").plain()
    assert isinstance(values, FilterValues)
    assert values == FilterValues(country="CN", kinds=("removal",))
    assert list(values.filter_flights()) == [flights["china"]]
    assert hash(values) == hash(form_for("kind=removal&country=cn").plain())
