"""The OpenAPI document: valid, complete, and true to what the endpoints answer."""

import datetime as dt

import pytest
from django.urls import get_resolver, reverse
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from flights.filters import FlightFilterSet
from flights.models import FlightSource, PassengerSegment
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.usefixtures("reference_data")

# The API's URL names; the docs page and the schema itself are not operations.
NOT_OPERATIONS = {"api_docs", "api_schema", "api_swagger"}


@pytest.fixture
def document(client, db):
    response = client.get(reverse("flights:api_schema"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def api_url_names() -> set[str]:
    names = get_resolver().namespace_dict["flights"][1].reverse_dict.keys()
    return {n for n in names if isinstance(n, str) and n.startswith("api_")} - NOT_OPERATIONS


def test_the_schema_is_a_valid_openapi_3_1_document(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_schema_lists_every_api_endpoint_and_nothing_else(document):
    paths = {
        "api_root": "/api/v1/",
        "api_flights": "/api/v1/flights/",
        "api_flight": "/api/v1/flights/{id}/",
        "api_legs": "/api/v1/legs/",
        "api_airports": "/api/v1/airports/",
        "api_airport": "/api/v1/airports/{code}/",
        "api_countries": "/api/v1/countries/",
        "api_operators": "/api/v1/operators/",
    }
    assert set(paths) == api_url_names()
    assert set(document["paths"]) == set(paths.values())
    for item in document["paths"].values():
        assert set(item) - {"parameters"} == {"get"}
        assert "400" in item["get"]["responses"]


@pytest.mark.parametrize("path", ["/api/v1/flights/", "/api/v1/legs/"])
def test_list_endpoints_document_every_filter_of_the_shared_form(document, path):
    parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}

    assert set(parameters) == {*FlightFilterSet.base_filters, "page", "page_size", "cursor"}
    assert parameters["kind"]["schema"]["type"] == "array"
    assert parameters["kind"]["explode"] is True
    assert parameters["start"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["operator"]["schema"] == {"type": "string", "maxLength": 120}
    assert parameters["source"]["schema"]["enum"] == [
        "",
        "advocacy",
        "news",
        "foia",
        "adsb",
        "volunteer",
        "other",
    ]
    assert parameters["page_size"]["schema"]["maximum"] == 500
    assert all(p["description"] for p in parameters.values())


def validator_for(document, schema_name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_every_endpoint_answers_in_the_shape_the_schema_promises(client, document):
    aircraft = make_aircraft("N278GX", type_code="GLF5")
    flight = make_flight(
        route=("KIWA", "KELP", "ZYTX"),
        date=dt.date(2024, 3, 30),
        aircraft=aircraft,
        callsign="GXA6017",
        times=[
            (
                dt.datetime(2024, 3, 30, 14, tzinfo=dt.UTC),
                dt.datetime(2024, 3, 30, 16, tzinfo=dt.UTC),
            ),
            (None, None),
        ],
    )
    flight.set_estimate(2, None, "ARTS counts")
    flight.save()
    FlightSource.objects.create(
        flight=flight, source=make_source("FOIA", kind="foia", publisher="UWCHR"), note="p. 3"
    )
    legs = list(flight.legs.all())
    PassengerSegment.objects.create(
        flight=flight,
        pickup=legs[0].departure_airport,
        dropoff=legs[-1].arrival_airport,
        people=3,
    )
    make_flight()
    checks = [
        ("flights:api_root", [], {}, "Root"),
        ("flights:api_flights", [], {"page_size": 1}, "PaginatedFlightList"),
        ("flights:api_flight", [flight.pk], {}, "FlightDetail"),
        ("flights:api_legs", [], {}, "PaginatedLegInListList"),
        ("flights:api_airports", [], {"country": "CN", "page_size": 3}, "PaginatedAirportList"),
        ("flights:api_airport", ["ZYTX"], {}, "Airport"),
        ("flights:api_countries", [], {}, "CountryList"),
        ("flights:api_operators", [], {}, "OperatorList"),
        ("flights:api_flights", [], {"start": "nope"}, "Errors"),
        ("flights:api_flight", [999999], {}, "Errors"),
    ]
    for name, args, query, schema_name in checks:
        body = client.get(reverse(name, args=args), query).json()
        errors = [e.message for e in validator_for(document, schema_name).iter_errors(body)]
        assert errors == [], (name, query, errors)


def test_the_schema_rejects_a_response_missing_a_field(client, document):
    make_flight()
    body = client.get(reverse("flights:api_flights")).json()
    del body["results"][0]["status"]

    errors = [e.message for e in validator_for(document, "PaginatedFlightList").iter_errors(body)]

    assert errors == ["'status' is a required property"]


def test_the_docs_page_lists_every_endpoint_and_parameter(client, document):
    response = client.get(reverse("flights:api_docs"))

    assert response.status_code == 200
    html = response.content.decode()
    for path, item in document["paths"].items():
        assert f"GET {path}" in html
        for parameter in [*item.get("parameters", []), *item["get"].get("parameters", [])]:
            assert f"<code>{parameter['name']}</code>" in html
    for name in [
        "export_flights_csv",
        "export_flights_json",
        "export_legs_csv",
        "export_legs_json",
    ]:
        assert f'href="{reverse(f"flights:{name}")}"' in html


def test_swagger_ui_is_served_from_our_own_static_files(client, db):
    from django.contrib.staticfiles import finders

    html = client.get(reverse("flights:api_swagger")).content.decode()
    assert 'data-schema="/api/v1/openapi.json"' in html
    scripts = [
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "js/swagger-init.js",
    ]
    for path in scripts:
        assert f"/static/{path}" in html
        assert finders.find(path), path
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
