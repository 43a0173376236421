"""The OpenAPI 3.1 document of the API, written by hand, and the docs page built from it.

The filter parameters are generated from `FlightFilterForm`'s fields, so a filter added to the
form shows up here (tests/test_openapi.py checks the document against the form and the URLconf).
"""

import copy
import re
from functools import cache

from django import forms
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from flights.api.params import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from flights.choices import Basis, FlightKind, OperatorKind, ReviewStatus, SourceKind
from flights.filters import FlightFilterSet, OperatorField

FILTER_DESCRIPTIONS = {
    "start": "First flight date to include (UTC), `YYYY-MM-DD`.",
    "end": "Last flight date to include (UTC), `YYYY-MM-DD`; not before `start`.",
    "country": "Destination country, ISO 3166-1 alpha-2 code, e.g. `CN`.",
    "airport": "Departure airport of the first leg: IATA, ICAO or FAA LID code, e.g. `AEX`. "
    "An unknown code is a 400.",
    "operator": "Operator slug (`globalx`) or name, from `/api/v1/operators/`; an old numeric id "
    "still works.",
    "synthetic": "Generated demo flights: `exclude` (default), `include` or `only`.",
    "aircraft": "Aircraft registration (tail number), e.g. `N278GX`.",
    "kind": "Flight kind. Repeat the parameter for several: `kind=removal&kind=lateral`.",
    "status": "Review status. Repeat the parameter for several.",
    "source": "Only flights supported by a source of this kind.",
}


def _nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


def _field_schema(field: forms.Field) -> dict:
    if isinstance(field, OperatorField):
        return {"type": "string", "maxLength": 120}
    if isinstance(field, forms.MultipleChoiceField):
        return {"type": "array", "items": {"type": "string", "enum": _choices(field)}}
    if isinstance(field, forms.ModelChoiceField) or (
        isinstance(field, forms.TypedChoiceField) and field.coerce is int
    ):
        return {"type": "integer", "minimum": 1}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": ["", *_choices(field)]}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, forms.IntegerField):
        return {"type": "integer"}
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def _choices(field) -> list[str]:
    return [str(value) for value, _ in field.choices if value != ""]


def filter_parameters() -> list[dict]:
    """One OpenAPI query parameter per field of the shared filter form."""
    result = []
    for name, field in ((n, f.field) for n, f in FlightFilterSet.base_filters.items()):
        schema = _field_schema(field)
        parameter = {
            "name": name,
            "in": "query",
            "required": False,
            "description": FILTER_DESCRIPTIONS.get(name, str(field.label or name)),
            "schema": schema,
        }
        if schema["type"] == "array":
            parameter.update(style="form", explode=True)
        result.append(parameter)
    return result


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


PAGINATION = [
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "Keyset pagination: give it empty for the first page, then follow `next`. "
        "Every page costs what the first costs; `count`, `page` and `pages` are null.",
        "schema": {"type": "string", "maxLength": 200},
    },
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Page number, from 1. A page past the last is a 400.",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
    {
        "name": "page_size",
        "in": "query",
        "required": False,
        "description": f"Results per page, at most {MAX_PAGE_SIZE}.",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PAGE_SIZE,
            "default": DEFAULT_PAGE_SIZE,
        },
    },
]

BAD_REQUEST = {
    "description": "A parameter is unknown or its value cannot be used; each error names it.",
    "content": {"application/json": {"schema": _ref("Errors")}},
}
NOT_FOUND = {
    "description": "No such record.",
    "content": {"application/json": {"schema": _ref("Errors")}},
}


def _ok(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _page_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["count", "page", "page_size", "pages", "next", "previous", "results"],
        "additionalProperties": False,
        "properties": {
            "count": _nullable("integer", description="Matching records (null with `cursor`)."),
            "page": _nullable("integer"),
            "page_size": {"type": "integer"},
            "pages": _nullable("integer"),
            "next": _nullable("string", format="uri"),
            "previous": _nullable("string", format="uri"),
            "results": {"type": "array", "items": _ref(item)},
        },
    }


def _list_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["results"],
        "additionalProperties": False,
        "properties": {"results": {"type": "array", "items": _ref(item)}},
    }


def _object(properties: dict, **extra) -> dict:
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
        **extra,
    }


BASIS = {"type": "string", "enum": list(Basis.values)}
NULLABLE_BASIS = {"type": ["string", "null"], "enum": [*Basis.values, None]}
DATETIME = _nullable("string", format="date-time")
SOURCE = _object(
    {
        "kind": {"type": "string", "enum": list(SourceKind.values)},
        "title": {"type": "string"},
        "url": {"type": "string", "description": "Empty when the source has no address."},
    }
)

COMPONENTS = {
    "Errors": _object(
        {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": _object(
                    {
                        "parameter": _nullable("string"),
                        "value": {
                            "description": "The value as given (a list for repeated parameters)."
                        },
                        "message": {"type": "string"},
                    }
                ),
            }
        }
    ),
    "AirportBrief": _object(
        {
            "code": {"type": "string", "description": "FAA LID for US airports, else IATA/ICAO."},
            "icao": {"type": "string"},
            "iata": _nullable("string"),
            "name": {"type": "string"},
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2."},
        }
    ),
    "Airport": _object(
        {
            "code": {"type": "string"},
            "icao": {"type": "string"},
            "iata": _nullable("string"),
            "lid": _nullable("string"),
            "name": {"type": "string"},
            "city": {"type": "string"},
            "region": {"type": "string"},
            "country": {"type": "string"},
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "tz": {"type": "string"},
        }
    ),
    "Country": _object(
        {"code": {"type": "string"}, "alpha3": _nullable("string"), "name": {"type": "string"}}
    ),
    "Operator": _object(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(OperatorKind.values)},
            "icao_code": _nullable("string"),
        }
    ),
    "Source": SOURCE,
    "SourceDetail": _object(
        {
            **SOURCE["properties"],
            "publisher": _nullable("string"),
            "retrieved_on": _nullable("string", format="date"),
            "note": _nullable("string", description="What the source says about this flight."),
        }
    ),
    "Flight": _object(
        {
            "id": {"type": "integer"},
            "url": {"type": "string", "description": "The flight's page on this site."},
            "date": {"type": "string", "format": "date"},
            "mission_id": {
                "type": "string",
                "description": "The `mission_id` the flight's legs carry in the flight-log CSV.",
            },
            "kind": {"type": "string", "enum": list(FlightKind.values)},
            "status": {"type": "string", "enum": list(ReviewStatus.values)},
            "is_synthetic": {"type": "boolean", "description": "Generated demo data."},
            "route": {"type": "string"},
            "origin": {"oneOf": [_ref("AirportBrief"), {"type": "null"}]},
            "destination": {"oneOf": [_ref("AirportBrief"), {"type": "null"}]},
            "destination_country": {
                "oneOf": [
                    _object({"code": {"type": "string"}, "name": {"type": "string"}}),
                    {"type": "null"},
                ]
            },
            "leg_count": {"type": "integer"},
            "distance_km": _nullable("number"),
            "aircraft": {
                "oneOf": [
                    _object(
                        {
                            "registration": {"type": "string"},
                            "icao24": _nullable("string"),
                            "type": _nullable("string"),
                            "type_name": _nullable("string"),
                            "seats": _nullable("integer"),
                        }
                    ),
                    {"type": "null"},
                ]
            },
            "aircraft_type": _nullable(
                "string",
                description="ICAO type designator: the aircraft's, or the flight's own when the "
                "registration is unknown.",
            ),
            "aircraft_basis": BASIS,
            "operator": {
                "oneOf": [
                    _object({"id": {"type": "integer"}, "name": {"type": "string"}}),
                    {"type": "null"},
                ]
            },
            "callsign": _nullable("string"),
            "people_on_board": _object(
                {
                    "count": _nullable("integer", description="A reported or observed count."),
                    "min": _nullable("integer"),
                    "max": _nullable("integer"),
                    "basis": NULLABLE_BASIS,
                    "method": _nullable("string"),
                    "seat_ceiling": _nullable("integer"),
                    "summary": {"type": "string", "examples": ["at most 14 (estimated)"]},
                },
                description="What is known about the people on board, with how it is known.",
            ),
            "sources": {"type": "array", "items": _ref("Source")},
            "updated_at": DATETIME,
        }
    ),
    "Leg": _object(
        {
            "id": {"type": "integer"},
            "flight_id": {"type": "integer"},
            "sequence": {"type": "integer"},
            "date": {"type": "string", "format": "date"},
            "departure_time": DATETIME,
            "arrival_time": DATETIME,
            "from": _ref("AirportBrief"),
            "to": _ref("AirportBrief"),
            "departure_basis": BASIS,
            "arrival_basis": BASIS,
            "distance_km": _nullable("number"),
            "kind": {"type": "string", "enum": list(FlightKind.values)},
            "callsign": _nullable("string"),
            "passengers": _nullable("integer"),
            "passengers_basis": NULLABLE_BASIS,
            "source_url": _nullable("string"),
            "notes": {"type": "string"},
        }
    ),
    "Segment": _object(
        {
            "pickup": _ref("AirportBrief"),
            "dropoff": _ref("AirportBrief"),
            "people": {"type": "integer"},
            "removals": {"type": "integer"},
            "transfers": {"type": "integer"},
            "juveniles": {"type": "integer"},
            "struck": {"type": "integer", "description": "Struck from the list: did not fly."},
            "citizenships": {
                "type": "array",
                "items": _object(
                    {
                        "country": _nullable("string"),
                        "reported_name": {"type": "string"},
                        "people": {"type": "integer"},
                    }
                ),
            },
        },
        description="ARTS passenger counts for one pickup and drop-off (counts, never people).",
    ),
}
COMPONENTS["LegInList"] = copy.deepcopy(COMPONENTS["Leg"])
COMPONENTS["LegInList"]["properties"].update(
    flight=_object(
        {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "mission_id": {"type": "string"},
            "status": {"type": "string", "enum": list(ReviewStatus.values)},
            "is_synthetic": {"type": "boolean"},
            "callsign": _nullable("string"),
            "aircraft": _nullable("string"),
            "aircraft_type": _nullable("string"),
            "operator": _nullable("string"),
        }
    ),
    sources={"type": "array", "items": _ref("Source")},
)
COMPONENTS["LegInList"]["required"] = list(COMPONENTS["LegInList"]["properties"])
COMPONENTS["FlightDetail"] = copy.deepcopy(COMPONENTS["Flight"])
COMPONENTS["FlightDetail"]["properties"].update(
    sources={"type": "array", "items": _ref("SourceDetail")},
    legs={"type": "array", "items": _ref("Leg")},
    segments={"type": "array", "items": _ref("Segment")},
)
COMPONENTS["FlightDetail"]["required"] = list(COMPONENTS["FlightDetail"]["properties"])
COMPONENTS["FlightPage"] = _page_of("Flight")
COMPONENTS["LegPage"] = _page_of("LegInList")
COMPONENTS["AirportPage"] = _page_of("Airport")
COMPONENTS["CountryList"] = _list_of("Country")
COMPONENTS["OperatorList"] = _list_of("Operator")
COMPONENTS["Root"] = _object(
    {
        "docs": {"type": "string", "format": "uri"},
        "schema": {"type": "string", "format": "uri"},
        "endpoints": {"type": "object", "additionalProperties": {"type": "string"}},
    }
)


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    response: str,
    parameters: list[dict] = (),
    not_found: bool = False,
    tag: str = "flights",
) -> dict:
    responses = {"200": _ok(response, summary), "400": BAD_REQUEST}
    if not_found:
        responses["404"] = NOT_FOUND
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": [tag],
            "parameters": list(parameters),
            "responses": responses,
        }
    }


# Paths are reversed from the URLconf, so a moved URL cannot leave the document behind.
def _paths() -> dict:
    filters = filter_parameters()
    return {
        reverse("flights:api_root"): _operation(
            "root", "Index of the API", "Links to the endpoints, the schema and the docs.", "Root"
        ),
        reverse("flights:api_flights"): _operation(
            "listFlights",
            "Flights matching the filters",
            "Flights (missions), newest first (`date` descending, then `id` descending), "
            "with their route, aircraft, people on board and sources. The filters are those "
            "of the site's pages.",
            "FlightPage",
            [*filters, *PAGINATION],
        ),
        reverse("flights:api_flight", args=[0]).replace("/0/", "/{id}/"): {
            **_operation(
                "getFlight",
                "One flight with its legs, sources and passenger segments",
                "Legs in flying order; ARTS passenger segments as counts only.",
                "FlightDetail",
                not_found=True,
            ),
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
        },
        reverse("flights:api_legs"): _operation(
            "listLegs",
            "Legs of the flights matching the filters",
            "Every leg of each matching flight, newest flight first and each flight's legs in "
            "flying order, with its flight's status, aircraft and sources.",
            "LegPage",
            [*filters, *PAGINATION],
        ),
        reverse("flights:api_airports"): _operation(
            "listAirports",
            "Airports",
            "Airports by code or country, ordered by ICAO code.",
            "AirportPage",
            [
                {
                    "name": "code",
                    "in": "query",
                    "required": False,
                    "description": "IATA, ICAO or FAA LID code (matches any of them).",
                    "schema": {"type": "string"},
                },
                {
                    "name": "country",
                    "in": "query",
                    "required": False,
                    "description": "ISO 3166-1 alpha-2 country code.",
                    "schema": {"type": "string", "minLength": 2, "maxLength": 2},
                },
                *PAGINATION,
            ],
            tag="reference",
        ),
        reverse("flights:api_airport", args=["XXX"]).replace("/XXX/", "/{code}/"): {
            **_operation(
                "getAirport",
                "One airport by code",
                "Four letters are read as ICAO; three as IATA first, then FAA LID.",
                "Airport",
                not_found=True,
                tag="reference",
            ),
            "parameters": [
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
        },
        reverse("flights:api_countries"): _operation(
            "listCountries",
            "Countries",
            "Every country, by ISO code.",
            "CountryList",
            tag="reference",
        ),
        reverse("flights:api_operators"): _operation(
            "listOperators",
            "Operators",
            "Every operator; use its `id` in the `operator` filter.",
            "OperatorList",
            tag="reference",
        ),
    }


@cache
def document() -> dict:
    """The OpenAPI 3.1 document (built once per process; it depends only on code)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Deportation flight tracker API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON API of the flights, legs and reference data shown on the site. "
                "Every value carries its provenance: `status` (review status), `*_basis` "
                "(reported, observed, estimated or inferred), the sources, and `is_synthetic` "
                "for generated demo data. Only GET and HEAD are allowed. An unknown parameter "
                "or an unusable value is answered with 400 and a body naming it."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "flights", "description": "Flights and legs, with the pages' filters."},
            {"name": "reference", "description": "Airports, countries and operators."},
        ],
        "paths": _paths(),
        "components": {"schemas": COMPONENTS},
    }


def docs_context() -> dict:
    """What the docs page lists: each endpoint with its parameters, from the same document."""
    doc = document()
    endpoints = []
    for path, item in doc["paths"].items():
        operation = item["get"]
        endpoints.append(
            {
                "path": path,
                "summary": operation["summary"],
                "description": _inline_code(operation["description"]),
                "parameters": [
                    {
                        "name": p["name"],
                        "in": p["in"],
                        "type": _type_label(p["schema"]),
                        "description": _inline_code(p.get("description", "")),
                    }
                    for p in [*item.get("parameters", []), *operation["parameters"]]
                ],
                "responses": sorted(operation["responses"]),
            }
        )
    info = {**doc["info"], "description": _inline_code(doc["info"]["description"])}
    return {"info": info, "endpoints": endpoints}


def _inline_code(text: str) -> SafeString:
    """The descriptions' `code` spans as <code>, everything else escaped."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))  # noqa: S308


def _type_label(schema: dict) -> str:
    if schema.get("type") == "array":
        return "repeatable: " + " | ".join(schema["items"].get("enum", []))
    if "enum" in schema:
        return " | ".join(v for v in schema["enum"] if v)
    if schema.get("format"):
        return schema["format"]
    return str(schema.get("type", ""))
