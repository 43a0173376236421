"""The shared `FlightFilterSet` as a DRF filter backend, strict about what it is given.

A misspelt parameter (`contry=CN`) or a value the filter form refuses is a 400 naming it, never
ignored: filtering nothing would return every flight as if it were the answer. The OpenAPI
parameters are generated from the filter set's fields (`FilterSetParameters`).
"""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiFilterExtension

from flights.api.errors import BadParameters, error
from flights.filters import OperatorField
from flights.models import Airport

FILTER_DESCRIPTIONS = {
    "start": "First flight date to include (UTC), `YYYY-MM-DD`.",
    "end": "Last flight date to include (UTC), `YYYY-MM-DD`; not before `start`.",
    "country": "Destination country, ISO 3166-1 alpha-2 code or name, e.g. `CN`.",
    "airport": "Departure airport of the first leg: IATA, ICAO or FAA LID code, e.g. `AEX`. "
    "An unknown code is a 400.",
    "operator": "Operator slug (`globalx`) or name, from `/api/v1/operators/`; an old numeric id "
    "still works.",
    "synthetic": "Generated demo flights: `exclude` (default), `include` or `only`.",
    "aircraft": "Aircraft registration (tail number), e.g. `N278GX`.",
    "kind": "Flight kind. Repeat the parameter for several: `kind=removal&kind=lateral`.",
    "status": "Review status. Repeat the parameter for several.",
    "source": "Only flights supported by a source of this kind.",
    "code": "An airport's IATA, ICAO or FAA LID code.",
}


def raw_value(query, name: str):
    values = query.getlist(name)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def reject_unknown(query, allowed) -> None:
    unknown = sorted(name for name in query if name not in allowed)
    if unknown:
        raise BadParameters(
            [
                error(name, raw_value(query, name), f"Unknown parameter “{name}”.")
                for name in unknown
            ]
        )


def form_errors(form, query) -> list[dict]:
    """The form's errors as API errors, each naming its parameter and the value given."""
    errors = []
    for name, field_errors in form.errors.as_data().items():
        for exc in field_errors:
            parameter = None if name == "__all__" else name
            params = exc.params or {}
            value = params.get("value", raw_value(query, name) if parameter else None)
            errors.append(error(parameter, value, " ".join(exc.messages)))
    return errors


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, answering unknown parameters and invalid values with 400."""

    def filter_queryset(self, request, queryset, view):
        query = request.query_params
        filterset = self.get_filterset(request, queryset, view)
        allowed = {*filterset.base_filters, *getattr(view, "extra_parameters", ())}
        reject_unknown(query, allowed)
        if not filterset.is_valid():
            raise BadParameters(form_errors(filterset.form, query))
        return filterset.qs


def _choices(field) -> list[str]:
    return [str(value) for value, _ in field.choices if value != ""]


def field_schema(field: forms.Field) -> dict:
    """The OpenAPI schema of one filter form field."""
    if isinstance(field, OperatorField):
        return {"type": "string", "maxLength": 120}
    if isinstance(field, forms.MultipleChoiceField):
        return {"type": "array", "items": {"type": "string", "enum": _choices(field)}}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": ["", *_choices(field)]}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


class FilterSetParameters(OpenApiFilterExtension):
    """One query parameter per filter, typed from its form field, with its meaning."""

    target_class = "flights.api.filtering.StrictFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        filterset_class = auto_schema.view.filterset_class
        result = []
        for name, filter_ in filterset_class.base_filters.items():
            field = filter_.field
            schema = field_schema(field)
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


class AirportFilterForm(forms.Form):
    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and (len(country) != 2 or not country.isascii() or not country.isalpha()):
            raise forms.ValidationError(
                _("“country” must be an ISO 3166-1 alpha-2 code, e.g. CN."),
                params={"value": self.data.get("country")},
            )
        return country


class AirportFilterSet(django_filters.FilterSet):
    """The airport list's own two parameters."""

    code = django_filters.CharFilter(method="by_code")
    country = django_filters.CharFilter(method="in_country")

    class Meta:
        model = Airport
        fields: list[str] = []
        form = AirportFilterForm

    def by_code(self, queryset, name, value):
        return queryset.by_code(value.strip()) if value.strip() else queryset

    def in_country(self, queryset, name, value):
        return queryset.filter(country_id=value) if value else queryset
