"""Analyst pages: overview, route map, flight list and detail, airport, aircraft and country.

Every page reads the same filter form from the query string (`flights.filters`), asks
`flights.aggregates` for cached, SQL-aggregated plain data and hands it to `flights.charts`.
Charts travel as JSON in <script type="application/json"> tags and are drawn by
static/js/charts.js, so pages need no inline script.
"""

import datetime as dt
from collections.abc import Callable

import plotly.graph_objects as go
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from flights import aggregates, charts
from flights.adsb.review import tracks_for_legs
from flights.cache import cached
from flights.filters import FlightFilterForm
from flights.models import Aircraft, Airport, Country, Flight

PAGE_SIZE = 50
EXPORTS = {
    "flights_csv": "flights:export_flights_csv",
    "legs_csv": "flights:export_legs_csv",
    "flights_json": "flights:export_flights_json",
    "legs_json": "flights:export_legs_json",
    "api_docs": "flights:api_docs",
}
# Sort keys the flight list accepts: name -> ORDER BY. Anything else falls back to newest first.
SORTS = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "route": ("route", "id"),
    "-route": ("-route", "-id"),
    "legs": ("leg_count", "id"),
    "-legs": ("-leg_count", "-id"),
    "distance": (F("distance_km").asc(nulls_last=True), "id"),
    "-distance": (F("distance_km").desc(nulls_last=True), "-id"),
    "pax": (F("pax_count").asc(nulls_last=True), "id"),
    "-pax": (F("pax_count").desc(nulls_last=True), "-id"),
}
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def chart_json(name: str, key, build: Callable[[], go.Figure]) -> SafeString:
    """A figure's JSON, safe inside <script type="application/json"> (as json_script escapes it).

    Cached like the aggregates it is drawn from: building and serialising a Plotly figure costs
    more than a warm page may spend.
    """

    def serialise() -> str:
        return build().to_json(validate=False).translate(_JSON_ESCAPES)

    return mark_safe(cached(f"chart:{name}", key, serialise))  # noqa: S308


def export_links(form: FlightFilterForm) -> dict[str, str]:
    """Links to the exports of the current filters; exports that do not exist yet are left out."""
    query = form.querystring()
    links = {}
    for key, name in EXPORTS.items():
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        links[key] = f"{url}?{query}" if query and key != "api_docs" else url
    return links


def _filters(request) -> FlightFilterForm:
    form = FlightFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form


def _context(request, form: FlightFilterForm, **extra) -> dict:
    return {
        "form": form,
        "query": form.querystring(),
        "exports": export_links(form),
        **extra,
    }


def _change(current: int, previous: int) -> str:
    if previous == 0:
        return "new" if current else "no change"
    pct = (current - previous) / previous
    return f"{pct:+.0%}"


def _headlines(data: dict) -> list[dict]:
    cur, prev = data["current"], data["previous"]
    rows = [
        ("Flights", "flights"),
        ("Removal flights", "removals"),
        ("Legs", "legs"),
        ("Countries reached", "countries"),
        ("People on board, reported", "pax_reported"),
    ]
    headlines = [
        {
            "label": label,
            "value": f"{cur[key]:,}",
            "previous": f"{prev[key]:,}",
            "change": _change(cur[key], prev[key]),
        }
        for label, key in rows
    ]
    headlines.append(
        {
            "label": "People on board, estimated range",
            "value": f"{cur['pax_low']:,}–{cur['pax_high']:,}",
            "previous": f"{prev['pax_low']:,}–{prev['pax_high']:,}",
            "change": _change(cur["pax_high"], prev["pax_high"]),
            "note": (
                f"{cur['pax_unbounded']:,} flights have no count, estimate or seat ceiling"
                if cur["pax_unbounded"]
                else ""
            ),
        }
    )
    return headlines


def _pivot(series: list[dict]) -> tuple[list[str], list[dict]]:
    """Rows per time bucket with one column per kind, for the table beside the chart."""
    kinds = [k for k in charts.KIND_COLOURS if any(r["kind"] == k for r in series)]
    rows: dict[dt.date, dict] = {}
    for r in series:
        row = rows.setdefault(
            r["bucket"], {"bucket": r["bucket"], "counts": dict.fromkeys(kinds, 0)}
        )
        row["counts"][r["kind"]] += r["n"]
    table = [
        {
            "bucket": row["bucket"],
            "counts": [row["counts"][k] for k in kinds],
            "total": sum(row["counts"].values()),
        }
        for row in rows.values()
    ]
    return [charts.KIND_LABELS[k] for k in kinds], table


def _airport_url_maker():
    template = reverse("flights:airport_detail", args=["XXXX"])
    return lambda icao: template.replace("XXXX", icao)


@require_safe
def overview(request):
    form = _filters(request)
    data = aggregates.overview(form)
    context = _context(request, form, data=data)
    if not data["empty"]:
        kinds, table = _pivot(data["series"])
        context.update(
            headlines=_headlines(data),
            series_kinds=kinds,
            series_table=table,
            time_chart=chart_json(
                "time",
                form.cache_key(),
                lambda: charts.flights_over_time(
                    data["series"], data["events"], bucket=data["bucket"]
                ),
            ),
            countries_chart=chart_json(
                "countries",
                form.cache_key(),
                lambda: charts.ranking(
                    [{"label": r["name"], "n": r["n"]} for r in data["countries"]]
                ),
            ),
            airports_chart=chart_json(
                "airports",
                form.cache_key(),
                lambda: charts.ranking(
                    [{"label": r["code"], "n": r["n"]} for r in data["airports"]],
                    colour=charts.OKABE_ITO["vermillion"],
                ),
            ),
            operators_chart=chart_json(
                "operators",
                form.cache_key(),
                lambda: charts.ranking(
                    [{"label": r["name"], "n": r["n"]} for r in data["operators"]],
                    colour=charts.OKABE_ITO["bluish_green"],
                ),
            ),
        )
    return render(request, "flights/dashboard/overview.html", context)


@require_safe
def route_map(request):
    form = _filters(request)
    data = aggregates.route_map(form)
    context = _context(request, form, data=data)
    if data["legs"]:
        airport_url = _airport_url_maker()
        airports = [{**a, "url": airport_url(a["icao"])} for a in data["airports"]]
        context.update(
            airports=airports[:25],
            routes=data["routes"][:25],
            map_chart=chart_json(
                "map", form.cache_key(), lambda: charts.route_map(data["routes"], airports)
            ),
        )
    return render(request, "flights/dashboard/map.html", context)


@require_safe
def flight_list(request):
    form = _filters(request)
    sort = request.GET.get("sort", "-date")
    if sort not in SORTS:
        sort = "-date"
    flights = form.filter_flights().with_route().order_by(*SORTS[sort])
    paginator = Paginator(flights, PAGE_SIZE)
    # Counting every match is the slow part of a list page; the count is an aggregate like others.
    paginator.count = cached("flight_count", form.cache_key(), flights.count)
    page = paginator.get_page(request.GET.get("page"))
    rows = page.object_list
    page.object_list = cached(
        "flight_page", (form.cache_key(), sort, page.number), lambda: list(rows)
    )
    columns = [
        ("date", "Date"),
        ("route", "Route"),
        ("legs", "Legs"),
        ("distance", "Distance"),
        ("pax", "People on board"),
    ]
    return render(
        request,
        "flights/dashboard/flight_list.html",
        _context(
            request,
            form,
            page=page,
            sort=sort,
            columns=[
                {
                    "key": key,
                    "label": label,
                    "active": sort.lstrip("-") == key,
                    "descending": sort.startswith("-"),
                    "query": form.querystring(sort=("-" + key) if sort == key else key),
                }
                for key, label in columns
            ],
            sort_query=form.querystring(sort=sort if sort != "-date" else ""),
        ),
    )


@require_safe
def flight_detail(request, pk: int):
    # The sightings partial (sightings area) walks sightings, their airports and photos.
    flights = Flight.objects.with_route().with_legs()
    flights = flights.prefetch_related("sightings__airport", "sightings__photos")
    flight = get_object_or_404(flights, pk=pk)
    legs = list(flight.legs.all())
    airport_url = _airport_url_maker()

    def point(airport: Airport) -> dict:
        return {
            "code": airport.code,
            "name": airport.name,
            "lat": airport.latitude,
            "lon": airport.longitude,
            "url": airport_url(airport.icao),
        }

    map_chart = None
    # ADS-B tracks (flights/adsb): drawn as flown; their licences are shown under the map.
    tracks = tracks_for_legs([leg.pk for leg in legs])
    if legs:
        map_chart = chart_json(
            "flight-track" if tracks else "flight",
            flight.pk,
            lambda: charts.flight_map(
                [
                    {
                        "from": point(leg.departure_airport),
                        "to": point(leg.arrival_airport),
                        "sequence": leg.sequence,
                        "track": tracks.get(leg.pk, {}).get("points"),
                    }
                    for leg in legs
                ]
            ),
        )
    sources = list(flight.flight_sources.select_related("source").order_by("added_at", "id"))
    history = list(flight.history.select_related("actor")[:50])
    return render(
        request,
        "flights/flight_detail.html",
        {
            "flight": flight,
            "legs": legs,
            "sources": sources,
            "history": history,
            "map_chart": map_chart,
            "track_licences": sorted({t["licence"] for t in tracks.values() if t["licence"]}),
        },
    )


@require_safe
def airport_detail(request, code: str):
    airport = Airport.objects.select_related("country").filter(icao=code.upper()).first()
    if airport is None:
        airport = Airport.objects.resolve(code)
        if airport is None:
            raise Http404("No airport with this code.")
        airport = Airport.objects.select_related("country").get(pk=airport.pk)
    form = _filters(request)
    data = aggregates.airport_activity(airport, form)
    flights = aggregates.flights_of(
        form.filter_flights().touching_airport(airport), "airport", (airport.pk, form.cache_key())
    )
    context = _context(request, form, airport=airport, data=data, flights=flights)
    if data["months"]:
        context.update(
            movements_chart=chart_json(
                "movements",
                (airport.pk, form.cache_key()),
                lambda: charts.movements_over_time(data["months"]),
            ),
            destinations_chart=chart_json(
                "destinations",
                (airport.pk, form.cache_key()),
                lambda: charts.ranking(
                    [{"label": r["code"], "n": r["n"]} for r in data["destinations"]],
                    unit="legs",
                ),
            ),
        )
    return render(request, "flights/dashboard/airport.html", context)


@require_safe
def aircraft_detail(request, registration: str):
    aircraft = get_object_or_404(
        Aircraft.objects.select_related("aircraft_type", "operator"),
        registration=registration.strip().upper(),
    )
    form = _filters(request)
    data = aggregates.aircraft_history(aircraft, form)
    flights = aggregates.flights_of(
        form.filter_flights().filter(aircraft=aircraft),
        "aircraft",
        (aircraft.pk, form.cache_key()),
    )
    context = _context(request, form, aircraft=aircraft, data=data, flights=flights)
    if data["months"]:
        context["months_chart"] = chart_json(
            "aircraft",
            (aircraft.pk, form.cache_key()),
            lambda: charts.monthly_counts(data["months"]),
        )
    return render(request, "flights/dashboard/aircraft.html", context)


@require_safe
def country_detail(request, code: str):
    country = get_object_or_404(Country, code=code.strip().upper())
    form = _filters(request)
    data = aggregates.country_activity(country, form)
    flights = aggregates.flights_of(
        form.filter_flights().filter(destination_country=country),
        "country",
        (country.pk, form.cache_key()),
    )
    kinds, table = _pivot(data["series"])
    context = _context(
        request,
        form,
        country=country,
        data=data,
        flights=flights,
        series_kinds=kinds,
        series_table=table,
    )
    if data["series"] or data["events"]:
        context["time_chart"] = chart_json(
            "country",
            (country.pk, form.cache_key()),
            lambda: charts.flights_over_time(data["series"], data["events"]),
        )
    return render(request, "flights/dashboard/country.html", context)
