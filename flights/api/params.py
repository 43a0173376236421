"""Reading query-string parameters for the API and the exports, and answering bad ones with 400.

Filters come from the one `FlightFilterForm` the pages use, so a page's query string works
unchanged on its exports and on the API. A bad value is never ignored: filtering nothing would
hand back the whole table as if it were the answer.
"""

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass

import django_filters
from django.http import JsonResponse, QueryDict

from flights.filters import FlightFilterForm, FlightFilterSet

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
PAGINATION_PARAMETERS = ("page", "page_size", "cursor")


class BadParameters(Exception):
    """One or more query-string parameters cannot be used; `errors` names each one."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def error(parameter: str | None, value, message: str) -> dict:
    return {"parameter": parameter, "value": value, "message": message}


def bad_request(errors: list[dict]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400)


def not_found(message: str) -> JsonResponse:
    return JsonResponse({"errors": [error(None, None, message)]}, status=404)


def _raw(query: QueryDict, name: str):
    values = query.getlist(name)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def reject_unknown(query: QueryDict, allowed) -> None:
    unknown = [name for name in query if name not in allowed]
    if unknown:
        raise BadParameters(
            [
                error(name, _raw(query, name), f"Unknown parameter “{name}”.")
                for name in sorted(unknown)
            ]
        )


def filter_form(query: QueryDict, *, strict: bool, also_allowed=()) -> FlightFilterForm:
    """A valid filter form for the query, or BadParameters.

    `strict` (the API) also rejects parameters the endpoint does not know, so a misspelt filter
    cannot silently return everything; the exports accept the pages' other parameters (sort,
    page) and ignore them.
    """
    form = FlightFilterForm(query)
    if strict:
        reject_unknown(query, {*form.fields, *also_allowed})
    if not form.is_valid():
        errors = []
        for name, field_errors in form.errors.as_data().items():
            for exc in field_errors:
                parameter = None if name == "__all__" else name
                params = exc.params or {}
                value = params.get("value", _raw(query, name) if parameter else None)
                errors.append(error(parameter, value, " ".join(exc.messages)))
        raise BadParameters(errors)
    return form


def active_filters(query: QueryDict) -> dict:
    """The filter parameters that were given, as given (for export headers and file names)."""
    fields = FlightFilterSet.base_filters
    return {
        name: values if isinstance(fields[name], django_filters.MultipleChoiceFilter) else values[0]
        for name in fields
        if (values := [v for v in query.getlist(name) if v.strip()])
    }


def text(query: QueryDict, name: str) -> str:
    """A plain text parameter, trimmed; a NUL character (which PostgreSQL refuses) is a 400."""
    value = query.get(name, "")
    if "\x00" in value:
        raise BadParameters([error(name, value, f"“{name}” contains a NUL character.")])
    return value.strip()


def _positive_int(query: QueryDict, name: str, default: int, maximum: int | None) -> int:
    raw = query.get(name, "").strip()
    if raw == "":
        return default
    shown = raw if len(raw) <= 20 else raw[:20] + "…"
    if not raw.isascii() or not raw.isdigit() or int(raw[:13]) < 1:
        message = f"“{name}” must be a whole number of at least 1."
        raise BadParameters([error(name, shown, message)])
    # Thousands of digits: int() refuses them (and would be slow); no page is that far.
    if len(raw) > 12:
        raise BadParameters([error(name, shown, f"“{name}” is too large.")])
    value = int(raw)
    if maximum is not None and value > maximum:
        raise BadParameters([error(name, raw, f"“{name}” must be at most {maximum}.")])
    return value


@dataclass
class Page:
    number: int
    size: int
    count: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def pagination(query: QueryDict) -> tuple[int, int]:
    """(page number, page size) from `page` and `page_size`, or BadParameters."""
    number = _positive_int(query, "page", 1, None)
    size = _positive_int(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return number, size


def paginate(queryset, number: int, size: int) -> tuple[Page, list]:
    """One page of an ordered queryset (two queries: count and page), or BadParameters.

    The page's ids are chosen in a subquery that selects nothing else, so the wide row (joins
    and the sources subquery) is built for the page's rows only, not for every row an OFFSET
    skips: page 2,000 of 250,000 flights took 9 s the naive way.
    """
    page = Page(number=number, size=size, count=queryset.count())
    if number > page.pages:
        raise BadParameters(
            [
                error(
                    "page",
                    str(number),
                    f"Page {number} is beyond the last page ({page.pages}).",
                )
            ]
        )
    if page.count == 0:
        return page, []
    window = queryset.values("pk")[page.offset : page.offset + size]
    return page, list(queryset.filter(pk__in=window))


def page_links(request, page: Page) -> tuple[str | None, str | None]:
    """Absolute URLs of the next and previous pages, keeping every other parameter."""

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    following = link(page.number + 1) if page.number < page.pages else None
    previous = link(page.number - 1) if page.number > 1 else None
    return following, previous


CURSOR = "cursor"


def cursor_keys(query: QueryDict, count: int) -> list | None:
    """The sort keys a `cursor` points after; None for the first page; BadParameters if garbled."""
    raw = query.get(CURSOR, "").strip()
    if not raw:
        return None
    try:
        keys = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==").decode())
        if not isinstance(keys, list) or len(keys) != count:
            raise ValueError(keys)
        keys[0] = dt.date.fromisoformat(keys[0])
        if not all(isinstance(k, int) and 0 <= k < 2**62 for k in keys[1:]):
            raise ValueError(keys)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise BadParameters(
            [error(CURSOR, shown, "“cursor” is not a cursor this API gave out.")]
        ) from None
    return keys


def cursor_page(
    request, queryset, after, last_keys, size: int, key_count: int
) -> tuple[list, str | None]:
    """One page after the cursor by keyset (cost independent of depth), and the next link.

    `after(keys)` narrows the ordered queryset to rows after those keys; `last_keys(row)` gives
    a row's keys. Ids are chosen first in a narrow query, as for numbered pages.
    """
    keys = cursor_keys(request.GET, key_count)
    if keys is not None:
        queryset = after(queryset, keys)
    ids = list(queryset.values_list("pk", flat=True)[: size + 1])
    rows = list(queryset.filter(pk__in=ids[:size])) if ids else []
    if len(ids) <= size or not rows:
        return rows, None
    last = last_keys(rows[-1])
    token = base64.urlsafe_b64encode(json.dumps([last[0].isoformat(), *last[1:]]).encode()).decode()
    query = request.GET.copy()
    query[CURSOR] = token.rstrip("=")
    query.pop("page", None)
    return rows, request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
