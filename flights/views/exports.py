"""Downloads of the flights and legs the current filters select, as CSV and JSON.

The query string is the pages' own (FlightFilterForm), so an "Export" link is the page's URL
with another path. Responses stream from one server-side cursor: one query whatever the size.

The legs CSV is the flight-log format (flights/exports.py), so it imports again through
`flights.importers`; the tracker's provenance follows in extra `tracker_*` columns, which the
importer ignores (with a warning that lists them).

On PostgreSQL the CSV files come from one `COPY (SELECT …) TO STDOUT` (flights/copy_exports.py),
byte for byte what the Python writers below produce (the demo's SQLite uses those).
"""

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix
from django.utils import timezone
from django.views.decorators.http import require_safe

from flights import copy_exports, exports_async
from flights.api import params
from flights.api.serialize import (
    _flight_url_parts,
    flight_dict,
    flights_for_output,
    leg_dict,
    legs_for_output,
)
from flights.exports import FLIGHTLOG_COLUMNS, csv_lines, flightlog_row
from flights.filters import FilterValues
from flights.models import ExportJob, ExportStatus

CHUNK_SIZE = 2000
# Exports read in time order, like a log; the API lists newest first.
FLIGHT_ORDER = ("date", "id")
LEG_ORDER = ("flight__date", "flight_id", "sequence")

FLIGHT_COLUMNS = [
    "id",
    "date",
    "mission_id",
    "kind",
    "status",
    "is_synthetic",
    "route",
    "origin",
    "destination",
    "destination_country",
    "leg_count",
    "distance_km",
    "aircraft",
    "aircraft_type",
    "aircraft_basis",
    "operator",
    "callsign",
    "pax_count",
    "pax_min",
    "pax_max",
    "pax_basis",
    "pax_method",
    "seat_ceiling",
    "people_on_board",
    "source_kinds",
    "source_titles",
    "source_urls",
    "url",
]
LEG_PROVENANCE_COLUMNS = [
    "tracker_flight_id",
    "tracker_flight_status",
    "tracker_departure_basis",
    "tracker_arrival_basis",
    "tracker_source_kinds",
    "tracker_synthetic",
]
LEG_COLUMNS = [*FLIGHTLOG_COLUMNS, *LEG_PROVENANCE_COLUMNS]


def _joined(values: Iterable[str]) -> str:
    return "; ".join(v for v in values if v)


def flight_csv_row(site: str, flight) -> list:
    data = flight_dict(flight)
    aircraft, pax = data["aircraft"], data["people_on_board"]
    row = [
        data["id"],
        data["date"],
        data["mission_id"],
        data["kind"],
        data["status"],
        "yes" if data["is_synthetic"] else "no",
        data["route"],
        flight.origin.icao if flight.origin else "",
        flight.destination.icao if flight.destination else "",
        flight.destination_country_id or "",
        data["leg_count"],
        "" if data["distance_km"] is None else data["distance_km"],
        aircraft["registration"] if aircraft else "",
        # The type is known on many flights whose registration is not (issue 12, item 9).
        ((aircraft and aircraft["type"]) or data["aircraft_type"] or ""),
        data["aircraft_basis"],
        data["operator"]["name"] if data["operator"] else "",
        data["callsign"] or "",
        pax["count"],
        pax["min"],
        pax["max"],
        pax["basis"] or "",
        pax["method"] or "",
        pax["seat_ceiling"],
        pax["summary"],
        _joined(s["kind"] for s in data["sources"]),
        _joined(s["title"] for s in data["sources"]),
        _joined(s["url"] for s in data["sources"]),
        site + data["url"],
    ]
    return row


def leg_csv_row(leg) -> list:
    flightlog = flightlog_row(leg)
    flight = leg.flight
    return [  # csv_lines neutralises formula cells: the legs file is opened in spreadsheets too
        *(flightlog[column] for column in FLIGHTLOG_COLUMNS),
        flight.pk,
        flight.status,
        leg.departure_basis,
        leg.arrival_basis,
        _joined(sorted({s["kind"] for s in leg.source_list or []})),
        "yes" if flight.is_synthetic else "no",
    ]


def flights_csv(values: FilterValues, site: str, *, use_copy: bool | None = None) -> Iterator:
    """The flights CSV of the filters: COPY on PostgreSQL, the Python writer elsewhere."""
    if copy_exports.available() if use_copy is None else use_copy:
        head, tail = _flight_url_parts(get_script_prefix())
        select, args = copy_exports.flights_select(values, site + head, tail)
        return _with_header(FLIGHT_COLUMNS, copy_exports.copy_csv(select, args))
    flights = flights_for_output(values.filter_flights()).order_by(*FLIGHT_ORDER)
    rows = (flight_csv_row(site, f) for f in flights.iterator(chunk_size=CHUNK_SIZE))
    return (line.encode() for line in csv_lines(FLIGHT_COLUMNS, rows))


def legs_csv(values: FilterValues, *, use_copy: bool | None = None) -> Iterator:
    """The legs CSV of the filters: COPY on PostgreSQL, the Python writer elsewhere."""
    if copy_exports.available() if use_copy is None else use_copy:
        select, args = copy_exports.legs_select(values)
        return _with_header(LEG_COLUMNS, copy_exports.copy_csv(select, args))
    legs = legs_for_output(values.filter_legs()).order_by(*LEG_ORDER)
    rows = (leg_csv_row(leg) for leg in legs.iterator(chunk_size=CHUNK_SIZE))
    return (line.encode() for line in csv_lines(LEG_COLUMNS, rows))


def _with_header(header: list[str], body: Iterator[bytes]) -> Iterator[bytes]:
    yield next(csv_lines(header, ())).encode()
    yield from body


def _json_stream(key: str, filters: dict, items: Iterator[dict]) -> Iterator[str]:
    head = {"generated_at": timezone.now().isoformat(timespec="seconds"), "filters": filters}
    # The head object without its closing brace, then the array streamed item by item.
    yield json.dumps(head, ensure_ascii=False)[:-1] + f', "{key}": ['
    batch: list[str] = []
    first = True
    for item in items:
        batch.append(("\n" if first else ",\n") + json.dumps(item, cls=DjangoJSONEncoder))
        first = False
        if len(batch) >= 200:
            yield "".join(batch)
            batch = []
    yield "".join(batch) + "\n]}\n"


def filename(kind: str, filters: dict, extension: str) -> str:
    """e.g. flights_start-2024-01-01_country-CN_kind-removal+lateral_2025-05-06.csv"""
    parts = [kind]
    for name, value in filters.items():
        text = "+".join(value) if isinstance(value, list) else value
        parts.append(f"{name}-{text}")
    parts.append(dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d"))
    safe = "_".join(re.sub(r"[^A-Za-z0-9+.-]+", "-", part) for part in parts)
    return f"{safe[:150]}.{extension}"


def _download(stream: Iterator[str], content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _later(request, form, kind: str, name: str, site: str):
    """Too large for one request: a task writes the file; the status page says when."""
    job = exports_async.start_export(kind, form.querystring(), name, site)
    return redirect("flights:export_status", token=job.token)


@require_safe
def export_status(request, token: str):
    job = get_object_or_404(ExportJob, token=token)
    response = render(request, "flights/dashboard/export_status.html", {"job": job})
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def export_download(request, token: str):
    """The finished file, with its length: a client can tell a cut-off download."""
    job = get_object_or_404(ExportJob, token=token, status=ExportStatus.DONE)
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)
    response["Cache-Control"] = "no-store"
    return response


def _form_or_400(request):
    try:
        return params.filter_form(request.GET, strict=False), None
    except params.BadParameters as exc:
        return None, params.bad_request(exc.errors)


@require_safe
def export_flights_csv(request):
    form, error = _form_or_400(request)
    if error:
        return error
    site = request.build_absolute_uri("/").removesuffix("/")
    name = filename("flights", params.active_filters(request.GET), "csv")
    if exports_async.too_large("flights_csv", form.plain()):
        return _later(request, form, "flights_csv", name, site)
    return _download(flights_csv(form.plain(), site), "text/csv; charset=utf-8", name)


@require_safe
def export_legs_csv(request):
    form, error = _form_or_400(request)
    if error:
        return error
    name = filename("legs", params.active_filters(request.GET), "csv")
    if exports_async.too_large("legs_csv", form.plain()):
        site = request.build_absolute_uri("/").removesuffix("/")
        return _later(request, form, "legs_csv", name, site)
    return _download(legs_csv(form.plain()), "text/csv; charset=utf-8", name)


@require_safe
def export_flights_json(request):
    form, error = _form_or_400(request)
    if error:
        return error
    filters = params.active_filters(request.GET)
    flights = flights_for_output(form.filter_flights()).order_by(*FLIGHT_ORDER)
    items = (flight_dict(f) for f in flights.iterator(chunk_size=CHUNK_SIZE))
    name = filename("flights", filters, "json")
    return _download(_json_stream("flights", filters, items), "application/json", name)


@require_safe
def export_legs_json(request):
    form, error = _form_or_400(request)
    if error:
        return error
    filters = params.active_filters(request.GET)
    legs = legs_for_output(form.filter_legs()).order_by(*LEG_ORDER)
    items = (leg_dict(leg) for leg in legs.iterator(chunk_size=CHUNK_SIZE))
    name = filename("legs", filters, "json")
    return _download(_json_stream("legs", filters, items), "application/json", name)
