"""Pagination of the API's lists: numbered pages (`page`, `page_size`) and keyset cursors.

Both are DRF pagination classes, so views, `next` links and the OpenAPI document come from DRF
and drf-spectacular. Bad values are a 400 naming the parameter (docs/api.md, "Pagination").
"""

import base64
import binascii
import datetime as dt
import json
import math

from django.db.models import Q
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

from flights.api.errors import BadParameters, error

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
PAGINATION_PARAMETERS = ("page", "page_size", "cursor")


def _positive_int(query, name: str, default: int, maximum: int | None) -> int:
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


def page_size(query) -> int:
    return _positive_int(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def link_with(request, **changes) -> str:
    """The request's absolute URL with parameters changed (None drops one), order kept.

    DRF's `replace_query_param` sorts the parameters; v1 links keep the client's order.
    """
    query = request.query_params.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class NumberedPagination(PageNumberPagination):
    """`page` from 1 and `page_size` up to 500; a page past the last is a 400, not a 404.

    The page's ids are chosen in a subquery that selects nothing else, so the wide row (joins
    and the sources subquery) is built for the page's rows only, not for every row an OFFSET
    skips: page 2,000 of 250,000 flights took 9 s the naive way.
    """

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        query = request.query_params
        self.number = _positive_int(query, "page", 1, None)
        self.size = page_size(query)
        self.count = queryset.count()
        self.pages = max(1, math.ceil(self.count / self.size))
        if self.number > self.pages:
            message = f"Page {self.number} is beyond the last page ({self.pages})."
            raise BadParameters([error("page", str(self.number), message)])
        if self.count == 0:
            return []
        offset = (self.number - 1) * self.size
        window = queryset.values("pk")[offset : offset + self.size]
        return list(queryset.filter(pk__in=window))

    def _link(self, number: int) -> str:
        return link_with(self.request, page=str(number))

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "page": self.number,
                "page_size": self.size,
                "pages": self.pages,
                "next": self._link(self.number + 1) if self.number < self.pages else None,
                "previous": self._link(self.number - 1) if self.number > 1 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        number = {"type": ["integer", "null"]}
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "page", "page_size", "pages", "next", "previous", "results"],
            "properties": {
                "count": {**number, "description": "Matching records; null on cursor pages."},
                "page": number,
                "page_size": {"type": "integer"},
                "pages": number,
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Records per page (default {DEFAULT_PAGE_SIZE}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
            },
        ]


class KeysetCursorPagination(CursorPagination):
    """Cursor pages chosen by keyset on the whole sort key, so page 2,000 costs what page 1 does.

    DRF's own cursor keeps only the first sort field and an OFFSET among equal values (many
    flights share a date); this subclass keeps the cursor our v1 clients hold: base64 JSON of
    the last row's keys, `cursor=` (empty) for the first page, no count.
    Subclasses give `ordering`, `keys(row)` and `after(queryset, keys)`.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def keys(self, row) -> list:
        raise NotImplementedError

    def after(self, queryset, keys):
        raise NotImplementedError

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param, "").strip()
        if not raw:
            return None
        count = len(self.ordering)
        try:
            keys = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==").decode())
            if not isinstance(keys, list) or len(keys) != count:
                raise ValueError(keys)
            keys[0] = dt.date.fromisoformat(keys[0])
            if not all(isinstance(k, int) and 0 <= k < 2**62 for k in keys[1:]):
                raise ValueError(keys)
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            shown = raw if len(raw) <= 20 else raw[:20] + "…"
            message = "“cursor” is not a cursor this API gave out."
            raise BadParameters([error("cursor", shown, message)]) from None
        return keys

    def encode_cursor(self, keys) -> str:
        token = json.dumps([keys[0].isoformat(), *keys[1:]]).encode()
        cursor = base64.urlsafe_b64encode(token).decode().rstrip("=")
        return link_with(self.request, cursor=cursor, page=None)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = page_size(request.query_params)
        keys = self.decode_cursor(request)
        if keys is not None:
            queryset = self.after(queryset, keys)
        ids = list(queryset.values_list("pk", flat=True)[: self.size + 1])
        rows = list(queryset.filter(pk__in=ids[: self.size])) if ids else []
        self.following = self.keys(rows[-1]) if len(ids) > self.size and rows else None
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": None,
                "page": None,
                "page_size": self.size,
                "pages": None,
                "next": self.encode_cursor(self.following) if self.following else None,
                "previous": None,
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Give it empty for cursor pages, then follow `next`: pages chosen "
                "by keyset, at the same cost however deep, with `count`, `page`, `pages` null.",
                "schema": {"type": "string"},
            }
        ]


class FlightCursor(KeysetCursorPagination):
    ordering = ("-date", "-id")

    def keys(self, flight) -> list:
        return [flight.date, flight.pk]

    def after(self, flights, keys):
        """Flights after (date, id) newest first; `date <= d` lets the date index stop."""
        day, pk = keys
        return flights.filter(date__lte=day).filter(Q(date__lt=day) | Q(pk__lt=pk))


class LegCursor(KeysetCursorPagination):
    ordering = ("-flight__date", "-flight_id", "sequence")

    def keys(self, leg) -> list:
        return [leg.flight.date, leg.flight_id, leg.sequence]

    def after(self, legs, keys):
        day, flight_id, sequence = keys
        return legs.filter(flight__date__lte=day).filter(
            Q(flight__date__lt=day)
            | Q(flight_id__lt=flight_id)
            | Q(flight_id=flight_id, sequence__gt=sequence)
        )


class NumberedOrCursorPagination(NumberedPagination):
    """Numbered pages, or keyset pages once `cursor` is given (even empty): one list, two walks."""

    cursor_class: type[KeysetCursorPagination]

    def __init__(self):
        self.cursor = self.cursor_class()
        self.chosen = self

    def paginate_queryset(self, queryset, request, view=None):
        if "cursor" in request.query_params:
            self.chosen = self.cursor
            return self.cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.chosen is self.cursor:
            return self.cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            *self.cursor.get_schema_operation_parameters(view),
        ]


class FlightPagination(NumberedOrCursorPagination):
    cursor_class = FlightCursor


class LegPagination(NumberedOrCursorPagination):
    cursor_class = LegCursor
