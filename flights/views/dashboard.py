"""Analyst pages: overview, route map, flight list and detail, airport, aircraft and country.

Every page reads the same filter form from the query string (`flights.filters`), asks
`flights.aggregates` for cached, SQL-aggregated plain data and hands it to `flights.charts`.
Charts travel as JSON in <script type="application/json"> tags and are drawn by
static/js/charts.js, so pages need no inline script.
"""

import datetime as dt
from collections.abc import Callable

import plotly.graph_objects as go
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from flights import aggregates, charts, dashboard_tables, flight_pages, flight_table, synthetic
from flights.adsb.review import tracks_for_legs
from flights.cache import cached
from flights.filters import FlightFilterForm, filter_options, page_filters
from flights.models import Aircraft, Airport, Country, Flight

EXPORTS = {
    "flights_csv": "flights:export_flights_csv",
    "legs_csv": "flights:export_legs_csv",
    "flights_json": "flights:export_flights_json",
    "legs_json": "flights:export_legs_json",
    "api_docs": "flights:api_docs",
}
# Sort keys the flight list accepts: flights.flight_pages.ORDERS; anything else is newest first.
# Rows in the route map's tables of routes and airports; the map itself draws them all.
TABLE_ROWS = 25
_JSON_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


def escape_json(text: str) -> str:
    """JSON text safe inside <script>, as json_script escapes it. str.replace, not translate:
    translate takes its slow path on any non-ASCII text, 24 ms on the route map's figure."""
    for character, escaped in _JSON_ESCAPES:
        text = text.replace(character, escaped)
    return text


def chart_json(name: str, key, build: Callable[[], go.Figure]) -> SafeString:
    """A figure's JSON, safe inside <script type="application/json"> (as json_script escapes it).

    Cached like the aggregates it is drawn from: building and serialising a Plotly figure costs
    more than a warm page may spend.
    """

    def serialise() -> str:
        return escape_json(build().to_json(validate=False))

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
    """The page's valid filters; bad ones answer 400 with the form (filters.page_filters)."""
    return page_filters(request)


def _context(request, form: FlightFilterForm, **extra) -> dict:
    return {
        "form": form,
        "query": synthetic.querystring(form),
        "exports": export_links(form),
        **extra,
    }


def change(current: int | None, previous: int | None) -> str:
    """The change as a signed percentage; blank when either side is not reported or there is
    no previous period, "new" from zero."""
    if current is None or previous is None:
        return ""
    if previous == 0:
        return gettext("new") if current else gettext("no change")
    return f"{(current - previous) / previous:+.0%}"


def _measure(period: dict | None, key: str, flights_key: str | None) -> int | None:
    """A period's value, or None ("not reported") when no flight of it carries the measure."""
    if period is None or (flights_key and not period[flights_key]):
        return None
    return round(period[key])


def _shown(value: int | None) -> str:
    return gettext("not reported") if value is None else f"{value:,}"


def headlines(data: dict) -> list[dict]:
    """Headline rows: flights, removals, legs, countries, then people on board kept apart by
    how they are known (counted; estimated, central value), with the share of flights that
    have any number at all. A measure no flight carries is "not reported", never 0."""
    cur, prev = data["current"], data["previous"]
    rows = [
        ("flights", gettext("Flights"), "flights", None, ""),
        (
            "removal-flights",
            gettext("Removal flights"),
            "removals",
            None,
            gettext("removal and lateral"),
        ),
        ("legs", gettext("Legs"), "legs", None, ""),
        ("countries-reached", gettext("Countries reached"), "countries", None, ""),
        (
            "people-counted",
            gettext("People on board, counted"),
            "pax_counted",
            "pax_counted_flights",
            gettext("reported by a source or observed; on %(n)s of %(total)s flights"),
        ),
        (
            "people-estimated",
            gettext("People on board, estimated"),
            "pax_estimated",
            "pax_estimated_flights",
            gettext("central values of estimates; on %(n)s of %(total)s flights"),
        ),
    ]
    result = []
    for slug, label, key, flights_key, note in rows:
        value, before = _measure(cur, key, flights_key), _measure(prev, key, flights_key)
        if flights_key:
            note = note % {"n": f"{cur[flights_key]:,}", "total": f"{cur['flights']:,}"}
        result.append(
            {
                "key": slug,
                "label": label,
                "value": _shown(value),
                "previous": _shown(before) if prev is not None else "",
                "change": change(value, before),
                "note": note,
            }
        )
    any_share = aggregates.share(cur["pax_any_flights"], cur["flights"])
    result.append(
        {
            "key": "people-coverage",
            "label": gettext("Flights with any count of people"),
            "value": f"{any_share:.0%}" if any_share is not None else gettext("not reported"),
            "previous": "",
            "change": "",
            "note": gettext("%(n)s of %(total)s flights")
            % {"n": f"{cur['pax_any_flights']:,}", "total": f"{cur['flights']:,}"},
        }
    )
    return result


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


def _ranking_chart(name: str, form, rows: list[dict], label: str, total: int, **kwargs):
    return chart_json(
        name,
        synthetic.key(form),
        lambda: charts.ranking(
            [{"label": r[label], "n": r["n"]} for r in rows], total=total, **kwargs
        ),
    )


@require_safe
def overview(request):
    form = _filters(request)
    data = aggregates.overview(form)
    context = _context(request, form, data=data)
    if not data["empty"]:
        kinds, table = _pivot(data["series"])
        total = data["count"]
        context.update(
            headlines=headlines(data),
            rankings=dashboard_tables.overview_rankings(data, context["query"]),
            series_kinds=kinds,
            series_table=table,
            time_chart=chart_json(
                "time",
                synthetic.key(form),
                lambda: charts.flights_over_time(
                    data["series"], data["events"], bucket=data["bucket"]
                ),
            ),
            countries_chart=_ranking_chart("countries", form, data["countries"], "name", total),
            airports_chart=_ranking_chart(
                "airports",
                form,
                data["airports"],
                "code",
                total,
                colour=charts.OKABE_ITO["vermillion"],
            ),
            operators_chart=_ranking_chart(
                "operators",
                form,
                data["operators"],
                "name",
                total,
                colour=charts.OKABE_ITO["bluish_green"],
            ),
        )
    return render(request, "flights/dashboard/overview.html", context)


def _map_urls(data: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """Links for hover and click: airports to their pages (a route's ends are the same
    described airports, so its arc links where its departure airport does), countries to
    theirs. The table's route rows get their links and kind names too."""
    airport_url = dashboard_tables.url_maker("flights:airport_detail")
    country_url = dashboard_tables.url_maker("flights:country_detail")
    linked = {a["icao"]: {**a, "url": airport_url(a["icao"])} for a in data["airports"]}
    routes = [
        {**r, "from": linked[r["from"]["icao"]], "to": linked[r["to"]["icao"]]}
        for r in data["routes"]
    ]
    for route in routes[:TABLE_ROWS]:
        route["kind_label"] = charts.KIND_LABELS[route["kind"]]
    countries = [{**c, "url": country_url(c["code"])} for c in data["countries"]]
    return list(linked.values()), routes, countries


@require_safe
def route_map(request):
    form = _filters(request)
    data = aggregates.route_map(form)
    context = _context(request, form, data=data)
    if data["legs"]:
        airports, routes, countries = _map_urls(data)
        kinds = {r["kind"] for r in routes}
        context.update(
            legend=[
                {"kind": k, "label": charts.KIND_LABELS[k]}
                for k in charts.KIND_COLOURS
                if k in kinds
            ],
            airport_rows=dashboard_tables.airport_rows(airports[:TABLE_ROWS]),
            beyond=[a for a in airports if a["label"] and not -170 <= a["lon"] <= -25],
            route_rows=dashboard_tables.route_rows(routes[:TABLE_ROWS]),
            countries=countries,
            country_rows=dashboard_tables.country_rows(countries, context["query"]),
            map_chart=chart_json(
                "map", synthetic.key(form), lambda: charts.route_map(routes, airports)
            ),
            choropleth_chart=chart_json(
                "choropleth", synthetic.key(form), lambda: charts.removals_choropleth(countries)
            )
            if countries
            else None,
        )
    return render(request, "flights/dashboard/map.html", context)


@require_safe
def filter_options_json(request):
    """The filter form's suggestions, fetched by static/js/filters.js (flights.filters)."""
    return JsonResponse(filter_options())


@require_safe
def flight_list(request):
    form = _filters(request)
    sort = request.GET.get("sort", flight_pages.DEFAULT_SORT)
    if sort not in flight_pages.ORDERS:
        sort = flight_pages.DEFAULT_SORT
    cursor, number = request.GET.get("cursor", ""), request.GET.get("page")

    def compute() -> flight_pages.Page:
        # Ids first, from the sort's index alone; then those 50 rows with their joins.
        page = flight_pages.page(form.filter_flights(), form.plain(), sort, cursor, number)
        page.rows = flight_table.rows(page.object_list, flight_table.LIST)
        return page

    page = cached("flight_page", (form.cache_key(), sort, cursor, number), compute)
    columns = [
        ("date", gettext("Date")),
        ("route", gettext("Route")),
        ("legs", gettext("Legs")),
        ("distance", gettext("Distance")),
        ("pax", gettext("People on board")),
    ]
    sort_query = form.querystring(sort=sort if sort != flight_pages.DEFAULT_SORT else "")
    return render(
        request,
        "flights/dashboard/flight_list.html",
        _context(
            request,
            form,
            page=page,
            sort=sort,
            count_cap=flight_pages.COUNT_CAP,
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
            sort_query=sort_query,
            next_query=_with(sort_query, cursor=page.next_cursor),
            previous_query=_with(sort_query, cursor=page.previous_cursor),
        ),
    )


def _with(query: str, **pairs: str) -> str:
    extra = urlencode({k: v for k, v in pairs.items() if v})
    return "&".join(part for part in (query, extra) if part)


@require_safe
def flight_detail(request, pk: int):
    # The sightings partial (sightings area) walks sightings, their airports and photos.
    flights = Flight.objects.for_detail().with_legs()
    flights = flights.prefetch_related(
        "aircraft__aircraft_type", "operator", "sightings__airport", "sightings__photos"
    )
    flight = get_object_or_404(flights, pk=pk)
    legs = list(flight.legs.all())
    airport_url = dashboard_tables.url_maker("flights:airport_detail")

    def point(airport: Airport, basis: str) -> dict:
        return {
            "code": airport.code,
            "name": airport.name,
            "lat": airport.latitude,
            "lon": airport.longitude,
            "url": airport_url(airport.icao),
            "basis": basis,
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
                        "from": point(leg.departure_airport, leg.departure_basis),
                        "to": point(leg.arrival_airport, leg.arrival_basis),
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
    recent_rows = aggregates.flights_of(
        synthetic.flights(form).touching_airport(airport),
        "airport",
        (airport.pk, synthetic.key(form)),
    )
    context = _context(
        request,
        form,
        airport=airport,
        data=data,
        recent_rows=recent_rows,
        destination_rows=dashboard_tables.destination_rows(data["destinations"]),
    )
    if data["months"]:
        context.update(
            movements_chart=chart_json(
                "movements",
                (airport.pk, synthetic.key(form)),
                lambda: charts.movements_over_time(data["months"]),
            ),
            destinations_chart=chart_json(
                "destinations",
                (airport.pk, synthetic.key(form)),
                lambda: charts.ranking(
                    [{"label": r["code"], "n": r["n"]} for r in data["destinations"]],
                    unit=gettext("legs"),
                    total=data["departures"],
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
    recent_rows = aggregates.flights_of(
        synthetic.flights(form).filter(aircraft=aircraft),
        "aircraft",
        (aircraft.pk, synthetic.key(form)),
    )
    context = _context(request, form, aircraft=aircraft, data=data, recent_rows=recent_rows)
    if data["months"]:
        context["months_chart"] = chart_json(
            "aircraft",
            (aircraft.pk, synthetic.key(form)),
            lambda: charts.monthly_counts(data["months"]),
        )
    return render(request, "flights/dashboard/aircraft.html", context)


@require_safe
def country_detail(request, code: str):
    country = get_object_or_404(Country, code=code.strip().upper())
    form = _filters(request)
    data = aggregates.country_activity(country, form)
    recent_rows = aggregates.flights_of(
        synthetic.flights(form).filter(destination_country=country),
        "country",
        (country.pk, synthetic.key(form)),
    )
    kinds, table = _pivot(data["series"])
    context = _context(
        request,
        form,
        country=country,
        data=data,
        recent_rows=recent_rows,
        series_kinds=kinds,
        series_table=table,
    )
    if data["series"] or data["events"]:
        context["time_chart"] = chart_json(
            "country",
            (country.pk, synthetic.key(form)),
            lambda: charts.flights_over_time(data["series"], data["events"]),
        )
    return render(request, "flights/dashboard/country.html", context)
