"""Pure figure builders: plain, already aggregated data in, `plotly.graph_objects.Figure` out.

Nothing here sees a queryset or a request. Colours come from the Okabe–Ito palette, which stays
distinguishable with the common colour-vision deficiencies. Figures use an empty template so the
JSON shipped with each page stays small.
"""

import datetime as dt
import functools
import html
import math
import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext

from flights import figure as go
from flights.choices import FlightKind
from flights.geo import great_circle_points

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
KIND_COLOURS = {
    FlightKind.REMOVAL: OKABE_ITO["blue"],
    FlightKind.LATERAL: OKABE_ITO["vermillion"],
    FlightKind.DOMESTIC: OKABE_ITO["sky_blue"],
    FlightKind.RETURN: OKABE_ITO["grey"],
    FlightKind.COMMERCIAL: OKABE_ITO["reddish_purple"],
    FlightKind.UNKNOWN: OKABE_ITO["orange"],
}
KIND_LABELS = dict(FlightKind.choices)
ROUTE_COLOUR = OKABE_ITO["blue"]
AIRPORT_COLOUR = OKABE_ITO["vermillion"]
EVENT_COLOUR = OKABE_ITO["black"]


DAY_MS = 86_400_000
# Bar widths in milliseconds on a date axis: a lone bar then reads as a month or a week, not
# as a hairline or as the whole plot.
BAR_WIDTH_MS = {"month": 26 * DAY_MS, "week": 6 * DAY_MS}
TICK_FORMAT = {"month": "%b %Y", "week": "%d %b %Y"}
# Map views as longitude/latitude ranges. Plotly shapes the map's frame to the region, so the
# page sizes the plot to the region's aspect (height / width, `MAP_ASPECT`): on a phone the
# Americas fill the width with no blank bands.
AMERICAS = {"lon": [-170, 10], "lat": [-56, 72]}
WORLD = {"lon": [-180, 180], "lat": [-60, 85]}
MAP_ASPECT = 0.74


def safe(text) -> str:
    """Text from data, escaped for Plotly, which renders a subset of HTML (<a>, <b>, <br>) in
    labels, hover text and annotations: a name never becomes a link or markup."""
    return html.escape(str(text), quote=False)


def _shift(day: dt.date, days: int) -> dt.date:
    """`day` moved by `days`, held inside the calendar (a stored year-1 date must not 500)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _count_axis(fig: go.Figure, values: Iterable[int], axis: str = "y") -> None:
    """Counts are whole numbers: no 0.2-flight steps when there are only a few."""
    top = max(values, default=0)
    settings = {"tickformat": ",d", "rangemode": "tozero", "range": [0, max(top, 1) * 1.1]}
    if top <= 10:
        settings["dtick"] = 1
    fig.update_yaxes(**settings) if axis == "y" else fig.update_xaxes(**settings)


def _date_axis(fig: go.Figure, days: list[dt.date], bucket: str) -> None:
    """A month or week axis with no clock times, one tick per bucket while they are few, and
    half a bucket of room either side so a single bar is drawn at its width."""
    settings: dict = {"type": "date", "tickformat": TICK_FORMAT[bucket], "hoverformat": "%d %b %Y"}
    if days:
        first, last = min(days), max(days)
        length = 30 if bucket == "month" else 7
        span = (last - first).days
        # Half a bucket either side, and at least six buckets in all, so one bar is a bar.
        pad = max(length // 2 + 1, (6 * length - span) // 2)
        settings["range"] = [_iso(_shift(first, -pad)), _iso(_shift(last, pad))]
        if bucket == "month" and span <= 366:
            settings["dtick"] = "M1"
        elif bucket == "month" and span <= 3 * 366:
            settings["dtick"] = "M3"
        elif bucket == "week" and span <= 13 * 7:
            settings["dtick"] = 7 * DAY_MS
            settings["tick0"] = _iso(first)
    fig.update_xaxes(**settings)


def _layout(fig: go.Figure, *, height: int = 360, **extra) -> go.Figure:
    extra.setdefault("margin", {"l": 40, "r": 10, "t": 10, "b": 40})
    extra.setdefault("legend", {"orientation": "h", "y": -0.15, "x": 0})
    fig.update_layout(
        template=go.layout.Template(),
        height=height,
        font={"family": "system-ui, sans-serif", "size": 12, "color": "#1d1d1f"},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hoverlabel={"namelength": -1},
        **extra,
    )
    return fig


def _iso(value: dt.date | str) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _grid_axes(fig: go.Figure) -> None:
    fig.update_xaxes(showgrid=False, linecolor="#5a5a63", ticks="outside")
    fig.update_yaxes(
        gridcolor="#e5e5ea", zeroline=True, zerolinecolor="#5a5a63", rangemode="tozero"
    )


def add_events(fig: go.Figure, events: Iterable[Mapping], *, pad_days: int = 20) -> go.Figure:
    """Draw dated events as labelled vertical lines, widening the x range to show them all.

    Labels in the later half of the range hang to the left of their line, so none runs off
    the plot's right edge.
    """
    events = list(events)
    if not events:
        return fig
    dates = [e["date"] for e in events]
    data_dates = [dt.date.fromisoformat(str(x)[:10]) for trace in fig.data for x in (trace.x or ())]
    first, last = min(dates + data_dates), max(dates + data_dates)
    middle = first + (last - first) / 2
    for i, event in enumerate(events):
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=_iso(event["date"]),
            x1=_iso(event["date"]),
            y0=0,
            y1=1,
            line={"color": EVENT_COLOUR, "width": 1.5, "dash": "dash"},
        )
        fig.add_annotation(
            x=_iso(event["date"]),
            y=1 - (i % 3) * 0.1,
            xref="x",
            yref="paper",
            text=safe(f"{event['date']:%b %Y}: {event['title']}"[:48]),
            showarrow=False,
            xanchor="right" if event["date"] > middle else "left",
            yanchor="top",
            align="left",
            bgcolor="rgba(255,255,255,0.85)",
            font={"size": 11},
            hovertext=safe(f"{event['date']:%d %b %Y}: {event['title']}"),
        )
    fig.update_xaxes(
        range=[_iso(_shift(first, -pad_days)), _iso(_shift(last, pad_days))], type="date"
    )
    return fig


def flights_over_time(
    series: Iterable[Mapping], events: Iterable[Mapping] = (), *, bucket: str = "month"
) -> go.Figure:
    """Flights per week or month, stacked by kind, with dated events drawn across.

    `series`: rows {bucket: date, kind: str, n: int}; `events`: rows {date, title}.
    """
    series = list(series)
    by_kind: dict[str, tuple[list[str], list[int]]] = {}
    for row in series:
        xs, ys = by_kind.setdefault(row["kind"], ([], []))
        xs.append(_iso(row["bucket"]))
        ys.append(row["n"])
    fig = go.Figure()
    for kind in KIND_COLOURS:
        if kind not in by_kind:
            continue
        xs, ys = by_kind[kind]
        fig.add_trace(
            go.Bar(
                x=xs,
                y=ys,
                name=str(KIND_LABELS[kind]),  # lazy: in the reader's language
                marker_color=KIND_COLOURS[kind],
                width=[BAR_WIDTH_MS[bucket]] * len(xs),
                hovertemplate=f"%{{x|{'%d %b %Y' if bucket == 'week' else '%b %Y'}}}: "
                f"%{{y:,}} {KIND_LABELS[kind].lower()}<extra></extra>",
            )
        )
    _layout(fig, barmode="stack", bargap=0.15, margin={"l": 48, "r": 10, "t": 10, "b": 40})
    _grid_axes(fig)
    stacks: dict[str, int] = {}
    for row in series:
        stacks[_iso(row["bucket"])] = stacks.get(_iso(row["bucket"]), 0) + row["n"]
    _count_axis(fig, stacks.values())
    _date_axis(fig, [dt.date.fromisoformat(x[:10]) for x in stacks], bucket)
    per = gettext("flights per week") if bucket == "week" else gettext("flights per month")
    fig.update_yaxes(title_text=per)
    add_events(fig, events)
    return fig


def ranking(
    rows: Iterable[Mapping],
    *,
    colour: str = OKABE_ITO["blue"],
    unit: str | None = None,
    total: int | None = None,
):
    """A horizontal bar chart of labelled counts, largest on top.

    `rows`: {label: str, n: int}, already sorted largest first. Percentages are of `total`, the
    whole filtered count, not of the rows shown; without a total no percentage is printed.
    """
    rows = list(rows)
    unit = unit or gettext("flights")
    labels = [safe(r["label"]) for r in reversed(rows)]
    values = [r["n"] for r in reversed(rows)]
    text = [f"{v:,} ({v / total:.0%})" if total else f"{v:,}" for v in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=colour,
            text=text,
            textposition="auto",
            cliponaxis=False,
            hovertemplate=f"%{{y}}: %{{x:,}} {unit}<extra></extra>",
        )
    )
    _layout(fig, height=max(160, 28 * len(rows) + 50), margin={"l": 10, "r": 10, "t": 10, "b": 30})
    fig.update_yaxes(automargin=True, type="category")
    fig.update_xaxes(gridcolor="#e5e5ea")
    _count_axis(fig, values, axis="x")
    return fig


def movements_over_time(months: Iterable[Mapping]) -> go.Figure:
    """An airport's departures and arrivals per month. `months`: {month, departures, arrivals}."""
    months = list(months)
    xs = [_iso(m["month"]) for m in months]
    fig = go.Figure(
        [
            go.Bar(
                x=xs,
                y=[m["departures"] for m in months],
                name=gettext("Departures"),
                marker_color=OKABE_ITO["blue"],
                hovertemplate=f"%{{x|%b %Y}}: %{{y}} {gettext('departures')}<extra></extra>",
            ),
            go.Bar(
                x=xs,
                y=[m["arrivals"] for m in months],
                name=gettext("Arrivals"),
                marker_color=OKABE_ITO["orange"],
                hovertemplate=f"%{{x|%b %Y}}: %{{y}} {gettext('arrivals')}<extra></extra>",
            ),
        ]
    )
    _layout(fig, barmode="group", bargap=0.15)
    _grid_axes(fig)
    _count_axis(fig, [m["departures"] for m in months] + [m["arrivals"] for m in months])
    _date_axis(fig, [m["month"] for m in months], "month")
    fig.update_yaxes(title_text=gettext("legs per month"))
    return fig


def monthly_counts(months: Iterable[Mapping], *, label: str | None = None) -> go.Figure:
    """A single monthly bar series. `months`: {month, n}."""
    months = list(months)
    label = label or gettext("flights")
    fig = go.Figure(
        go.Bar(
            x=[_iso(m["month"]) for m in months],
            y=[m["n"] for m in months],
            name=label.capitalize(),
            marker_color=OKABE_ITO["blue"],
            width=[BAR_WIDTH_MS["month"]] * len(months),
            hovertemplate=f"%{{x|%b %Y}}: %{{y}} {label}<extra></extra>",
        )
    )
    _layout(fig, bargap=0.15, showlegend=False)
    _grid_axes(fig)
    _count_axis(fig, [m["n"] for m in months])
    _date_axis(fig, [m["month"] for m in months], "month")
    fig.update_yaxes(title_text=gettext("%(things)s per month") % {"things": label})
    return fig


def _geo_layout(fig: go.Figure, *, height: int, fit: bool, view: dict | None = None) -> go.Figure:
    _layout(
        fig,
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "y": 0.02, "x": 0, "bgcolor": "rgba(255,255,255,0.7)"},
    )
    fig.update_geos(
        projection_type="natural earth",
        resolution=110,
        showcountries=True,
        countrycolor="#bdbdc4",
        showland=True,
        landcolor="#f1f1f3",
        showocean=True,
        oceancolor="#e8f1f8",
        coastlinecolor="#9a9aa3",
        showframe=False,
        fitbounds="locations" if fit else False,
    )
    if view:
        fig.update_geos(lonaxis_range=view["lon"], lataxis_range=view["lat"])
    return fig


def _arc(a: Mapping, b: Mapping, steps: int) -> tuple[list[float], list[float]]:
    lats, lons = _arc_between(a["lat"], a["lon"], b["lat"], b["lon"], steps)
    return list(lats), list(lons)


@functools.lru_cache(maxsize=20_000)
def _arc_between(lat1: float, lon1: float, lat2: float, lon2: float, steps: int) -> tuple:
    """Pure geometry, kept per process: a flight map draws the same legs again and again."""
    points = great_circle_points(lat1, lon1, lat2, lon2, steps=steps)
    return tuple(round(p[0], 2) for p in points), tuple(round(p[1], 2) for p in points)


def _view_buttons() -> list[dict]:
    """Americas / World buttons: a layout relayout, so no script of ours is involved."""
    return [
        {
            "type": "buttons",
            "direction": "right",
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "showactive": True,
            "bgcolor": "#ffffff",
            "font": {"size": 12},
            "buttons": [
                {
                    "label": name,
                    "method": "relayout",
                    "args": [{"geo.lonaxis.range": v["lon"], "geo.lataxis.range": v["lat"]}],
                }
                for name, v in ((gettext("Americas"), AMERICAS), (gettext("World"), WORLD))
            ],
        }
    ]


def _route_weight(n: int, top: int) -> int:
    """0..3: rare routes faint and thin, the busiest strong and thick (square-root scale)."""
    return min(3, int(4 * math.sqrt(n / top)))


def _route_spec(routes: list[Mapping]) -> dict:
    """Every route as the browser draws it (static/js/charts.js, `routeTraces`): each endpoint
    once, each route as [from, to, legs, kind, weight] indexes. The great-circle arcs, their
    arrows and the hover text are computed there: as Python traces they were a fifth of a cold
    route map's server time and most of its bytes (docs/dashboard.md, "What a cold page
    costs"). Codes are escaped here (`safe`), so the browser only joins them."""
    top = max((r["n"] for r in routes), default=1)
    kinds = {kind: i for i, kind in enumerate(KIND_COLOURS)}
    index: dict[tuple, int] = {}
    points, codes, urls, rows = [], [], [], []
    for route in routes:
        if route["kind"] not in kinds:
            continue
        ends = []
        for place in (route["from"], route["to"]):
            key = (place.get("icao") or place["code"], place["lat"], place["lon"])
            if key not in index:
                index[key] = len(points)
                points.append([place["lat"], place["lon"]])
                codes.append(safe(place["code"]))
                urls.append(place.get("url", ""))
            ends.append(index[key])
        weight = _route_weight(route["n"], top)
        rows.append([*ends, route["n"], kinds[route["kind"]], weight])
    return {
        "points": points,
        "codes": codes,
        "urls": urls,
        "routes": rows,
        "kinds": [
            {
                "name": str(KIND_LABELS[kind]),
                "hover": str(KIND_LABELS[kind]).lower(),
                "colour": KIND_COLOURS[kind],
            }
            for kind in kinds
        ],
        "legs": gettext("legs"),
        "name": gettext("routes"),
    }


def _airport_trace(airports: list[Mapping]) -> go.Scattergeo:
    """Airports sized by movements, labelled when a hub or a destination."""
    takeoffs = gettext("takeoffs and landings")
    busiest = max((a["n"] for a in airports), default=1)
    return go.Scattergeo(
        lat=[a["lat"] for a in airports],
        lon=[a["lon"] for a in airports],
        mode="markers+text",
        text=[safe(a["code"]) if a.get("label") else "" for a in airports],
        textposition="top center",
        textfont={"size": 11, "color": "#1d1d1f"},
        marker={
            "size": [5 + 16 * math.sqrt(a["n"] / busiest) for a in airports],
            "color": AIRPORT_COLOUR,
            "opacity": 0.85,
            "line": {"width": 0.5, "color": "#ffffff"},
        },
        hovertext=[safe(f"{a['code']} {a['name']}: {a['n']:,} {takeoffs}") for a in airports],
        customdata=[a.get("url", "") for a in airports],
        hoverinfo="text",
        name=gettext("Airports (size: takeoffs + landings)"),
    )


def route_map(routes: Iterable[Mapping], airports: Iterable[Mapping]) -> go.Figure:
    """Every route as a great-circle line coloured by kind, fainter the rarer it is, with its
    direction; airports sized by movements, labelled when a hub or a destination.

    `routes`: {from: airport, to: airport, n, kind, url?}; `airports`: {code, name, lat, lon, n,
    label, url}. Opens on the Americas; a button shows the world.
    """
    routes, airports = list(routes), list(airports)
    fig = go.Figure(_airport_trace(airports))
    if routes:
        fig.extra["routes"] = _route_spec(routes)
    fig = _geo_layout(fig, height=560, fit=False, view=AMERICAS)
    fig.update_layout(updatemenus=_view_buttons())
    return fig


def removals_choropleth(countries: Iterable[Mapping]) -> go.Figure:
    """Removal flights per destination country. `countries`: {alpha3, name, n, url?}."""
    countries = [c for c in countries if c.get("alpha3")]
    fig = go.Figure(
        go.Choropleth(
            locations=[c["alpha3"] for c in countries],
            locationmode="ISO-3",
            z=[c["n"] for c in countries],
            text=[safe(c["name"]) for c in countries],
            customdata=[c.get("url", "") for c in countries],
            colorscale="Blues",
            zmin=0,
            # No colour bar: Plotly draws it with inline styles, which our CSP blocks. The page
            # shows the scale in HTML beside the map, and the numbers in a table.
            showscale=False,
            marker_line_color="#8a8a93",
            marker_line_width=0.5,
            hovertemplate=f"%{{text}}: %{{z:,}} {gettext('removal flights')}<extra></extra>",
        )
    )
    fig = _geo_layout(fig, height=480, fit=False, view=AMERICAS)
    fig.update_layout(updatemenus=_view_buttons())
    return fig


def _line_trace(lats: list, lons: list, name: str, dash: str | None = None) -> go.Scattergeo:
    line = {"width": 2, "color": ROUTE_COLOUR} | ({"dash": dash} if dash else {})
    return go.Scattergeo(lat=lats, lon=lons, mode="lines", line=line, hoverinfo="skip", name=name)


def _stops_trace(legs: list[Mapping]) -> go.Scattergeo:
    """Every airport of the legs once, in flying order; inferred ones (deduced, not reported)
    are hollow: docs/dashboard.md."""
    inferred = " " + gettext("(inferred)")
    stops: dict[str, Mapping] = {}
    for leg in legs:
        stops.setdefault(leg["from"]["code"], leg["from"])
        stops.setdefault(leg["to"]["code"], leg["to"])
    return go.Scattergeo(
        lat=[s["lat"] for s in stops.values()],
        lon=[s["lon"] for s in stops.values()],
        mode="markers+text",
        text=[safe(code) for code in stops],
        textposition="top center",
        hovertext=[
            safe(f"{code} {s['name']}" + (inferred if s.get("basis") == "inferred" else ""))
            for code, s in stops.items()
        ],
        hoverinfo="text",
        customdata=[s.get("url", "") for s in stops.values()],
        marker={
            "size": 8,
            "color": AIRPORT_COLOUR,
            "symbol": [
                "circle-open" if s.get("basis") == "inferred" else "circle" for s in stops.values()
            ],
            "line": {"width": 2, "color": AIRPORT_COLOUR},
        },
        name=gettext("Airports (hollow: inferred)"),
    )


def flight_map(legs: Iterable[Mapping]) -> go.Figure:
    """One mission's legs in flying order. `legs`: {from: airport, to: airport, sequence,
    track?}; a leg with an ADS-B `track` ([[t, lat, lon, alt, gap-before], ...]) is drawn as
    flown, its coverage gaps dashed, else as a great-circle arc."""
    legs = list(legs)
    fig = go.Figure()
    lats: list = []
    lons: list = []
    flown: tuple[list, list] = ([], [])
    gaps: tuple[list, list] = ([], [])
    for leg in legs:
        if leg.get("track"):
            _add_track(leg["track"], flown, gaps)
            continue
        leg_lats, leg_lons = _arc(leg["from"], leg["to"], steps=24)
        lats.extend([*leg_lats, None])
        lons.extend([*leg_lons, None])
    if lats:
        fig.add_trace(_line_trace(lats, lons, gettext("Legs")))
    if flown[0]:
        fig.add_trace(_line_trace(*flown, gettext("Flown track (ADS-B)")))
    if gaps[0]:
        fig.add_trace(_line_trace(*gaps, gettext("No coverage"), dash="dash"))
    fig.add_trace(_stops_trace(legs))
    return _geo_layout(fig, height=420, fit=True)


def _add_track(track, flown: tuple[list, list], gaps: tuple[list, list]) -> None:
    """Solid pieces of the track into `flown`, the jumps across coverage gaps into `gaps`."""
    previous = None
    for _t, lat, lon, _alt, gap_before in track:
        if gap_before and previous is not None:
            flown[0].append(None)
            flown[1].append(None)
            gaps[0].extend([previous[0], lat, None])
            gaps[1].extend([previous[1], lon, None])
        flown[0].append(lat)
        flown[1].append(lon)
        previous = (lat, lon)
    flown[0].append(None)
    flown[1].append(None)


_PLOTLY_CSS_RULES = re.compile(
    r'(\w+)=\{("X,X div":.*?)\};for\((\w+) in \1\)\w+=\3\.replace\(/\^,/," ,"\)'
    r'\.replace\(/X/g,"([^"]+)"\)\.replace\(/Y/g,"([^"]+)"\)',
    re.S,
)
_JS_PAIR = re.compile(
    r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*))\s*:\s*"""
    r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
)


_JS_ESCAPE = re.compile(r"\\(.)")


def plotly_css(plotly_js: str) -> str:
    """The stylesheet plotly.js would otherwise inject as an inline <style> (blocked by our CSP).

    Read from the bundled plotly.min.js itself, so the static copy can be checked against the
    installed Plotly (tests/test_charts.py) and regenerated on upgrade (docs/dashboard.md).
    """
    found = _PLOTLY_CSS_RULES.search(plotly_js)
    if not found:
        raise ValueError("plotly.min.js no longer holds its style rules where expected")
    body, plot_scope, notifier_scope = found.group(2), found.group(4), found.group(5)
    rules = []
    for pair in _JS_PAIR.findall(body):
        key = next(part for part in pair[:3] if part)
        value = pair[3] or pair[4]
        selector = (
            (key.replace(",", " ,") if key.startswith(",") else key)
            .replace("X", plot_scope)
            .replace("Y", notifier_scope)
        )
        declarations = _JS_ESCAPE.sub(r"\1", value)
        rules.append(f"{selector}{{{declarations}}}")
    return "\n".join(rules) + "\n"
