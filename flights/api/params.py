"""The exports' reading of the shared filters, and their 400 answer (the API uses DRF's).

Filters come from the one `FlightFilterForm` the pages use, so a page's query string works
unchanged on its exports. A bad value is never ignored: filtering nothing would hand back the
whole table as if it were the answer.
"""

import django_filters
from django.http import JsonResponse, QueryDict

from flights.api.errors import BadParameters, error
from flights.api.filtering import form_errors, reject_unknown
from flights.filters import FlightFilterForm, FlightFilterSet

__all__ = ["BadParameters", "active_filters", "bad_request", "error", "filter_form"]


def bad_request(errors: list[dict]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400)


def filter_form(query: QueryDict, *, strict: bool, also_allowed=()) -> FlightFilterForm:
    """A valid filter form for the query, or BadParameters.

    `strict` also rejects parameters the filters do not know; the exports are not strict: they
    accept the pages' other parameters (sort, page) and ignore them.
    """
    form = FlightFilterForm(query)
    if strict:
        reject_unknown(query, {*form.fields, *also_allowed})
    if not form.is_valid():
        raise BadParameters(form_errors(form, query))
    return form


def active_filters(query: QueryDict) -> dict:
    """The filter parameters that were given, as given (for export headers and file names)."""
    fields = FlightFilterSet.base_filters
    return {
        name: values if isinstance(fields[name], django_filters.MultipleChoiceFilter) else values[0]
        for name in fields
        if (values := [v for v in query.getlist(name) if v.strip()])
    }
