"""Pure figure builders: plain, already aggregated data in, `plotly.graph_objects.Figure` out.

Nothing here sees a queryset or a request. Colours come from the Okabe–Ito palette, which stays
distinguishable with the common colour-vision deficiencies. Figures use an empty template so the
JSON shipped with each page stays small.
"""

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping

import plotly.graph_objects as go

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
    """Draw dated events as labelled vertical lines, widening the x range to show them all."""
    events = list(events)
    if not events:
        return fig
    dates = [e["date"] for e in events]
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
            text=f"{event['date']:%b %Y}: {event['title']}"[:60],
            showarrow=False,
            xanchor="left",
            yanchor="top",
            align="left",
            bgcolor="rgba(255,255,255,0.85)",
            font={"size": 11},
            hovertext=f"{event['date']:%d %b %Y}: {event['title']}",
        )
    data_dates = [dt.date.fromisoformat(str(x)[:10]) for trace in fig.data for x in (trace.x or ())]
    first, last = min(dates + data_dates), max(dates + data_dates)
    fig.update_xaxes(
        range=[
            _iso(first - dt.timedelta(days=pad_days)),
            _iso(last + dt.timedelta(days=pad_days)),
        ],
        type="date",
    )
    return fig


def flights_over_time(
    series: Iterable[Mapping], events: Iterable[Mapping] = (), *, bucket: str = "month"
) -> go.Figure:
    """Flights per week or month, stacked by kind, with dated events drawn across.

    `series`: rows {bucket: date, kind: str, n: int}; `events`: rows {date, title}.
    """
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
                hovertemplate=f"%{{x|{'%d %b %Y' if bucket == 'week' else '%b %Y'}}}: "
                f"%{{y}} {KIND_LABELS[kind].lower()}<extra></extra>",
            )
        )
    _layout(fig, barmode="stack", bargap=0.15)
    _grid_axes(fig)
    fig.update_yaxes(title_text=f"flights per {bucket}")
    add_events(fig, events)
    return fig


def ranking(rows: Iterable[Mapping], *, colour: str = OKABE_ITO["blue"], unit: str = "flights"):
    """A horizontal bar chart of labelled counts, largest on top.

    `rows`: {label: str, n: int}, already sorted largest first.
    """
    rows = list(rows)
    total = sum(r["n"] for r in rows) or 1
    labels = [r["label"] for r in reversed(rows)]
    values = [r["n"] for r in reversed(rows)]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=colour,
            text=[f"{v:,} ({v / total:.0%})" for v in values],
            textposition="auto",
            hovertemplate=f"%{{y}}: %{{x:,}} {unit}<extra></extra>",
        )
    )
    _layout(fig, height=max(160, 28 * len(rows) + 50), margin={"l": 10, "r": 10, "t": 10, "b": 30})
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(gridcolor="#e5e5ea", rangemode="tozero")
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
                name="Departures",
                marker_color=OKABE_ITO["blue"],
                hovertemplate="%{x|%b %Y}: %{y} departures<extra></extra>",
            ),
            go.Bar(
                x=xs,
                y=[m["arrivals"] for m in months],
                name="Arrivals",
                marker_color=OKABE_ITO["orange"],
                hovertemplate="%{x|%b %Y}: %{y} arrivals<extra></extra>",
            ),
        ]
    )
    _layout(fig, barmode="group", bargap=0.15)
    _grid_axes(fig)
    fig.update_yaxes(title_text="legs per month")
    return fig


def monthly_counts(months: Iterable[Mapping], *, label: str = "flights") -> go.Figure:
    """A single monthly bar series. `months`: {month, n}."""
    months = list(months)
    fig = go.Figure(
        go.Bar(
            x=[_iso(m["month"]) for m in months],
            y=[m["n"] for m in months],
            name=label.capitalize(),
            marker_color=OKABE_ITO["blue"],
            hovertemplate=f"%{{x|%b %Y}}: %{{y}} {label}<extra></extra>",
        )
    )
    _layout(fig, bargap=0.15, showlegend=False)
    _grid_axes(fig)
    fig.update_yaxes(title_text=f"{label} per month")
    return fig


def _geo_layout(fig: go.Figure, *, height: int, fit: bool) -> go.Figure:
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
    return fig


def _arc(a: Mapping, b: Mapping, steps: int) -> tuple[list[float], list[float]]:
    points = great_circle_points(a["lat"], a["lon"], b["lat"], b["lon"], steps=steps)
    lats = [round(p[0], 2) for p in points]
    lons = [round(p[1], 2) for p in points]
    return lats, lons


def route_map(routes: Iterable[Mapping], airports: Iterable[Mapping]) -> go.Figure:
    """Legs as great-circle lines, thicker when flown more often; airports sized by movements.

    `routes`: {from: airport, to: airport, n}; `airports`: {code, name, lat, lon, n, url}.
    Lines are binned into four widths so the figure has a handful of traces, not one per route.
    """
    routes, airports = list(routes), list(airports)
    fig = go.Figure()
    top = max((r["n"] for r in routes), default=1)
    bins: dict[int, tuple[list, list]] = {}
    mid_lat, mid_lon, mid_text = [], [], []
    for route in routes:
        width_bin = min(3, int(4 * math.sqrt(route["n"] / top)))
        lats, lons = _arc(route["from"], route["to"], steps=12)
        bin_lats, bin_lons = bins.setdefault(width_bin, ([], []))
        bin_lats.extend([*lats, None])
        bin_lons.extend([*lons, None])
        mid = len(lats) // 2
        mid_lat.append(lats[mid])
        mid_lon.append(lons[mid])
        mid_text.append(f"{route['from']['code']} → {route['to']['code']}: {route['n']:,} legs")
    for width_bin in sorted(bins):
        lats, lons = bins[width_bin]
        fig.add_trace(
            go.Scattergeo(
                lat=lats,
                lon=lons,
                mode="lines",
                line={"width": 0.8 + 1.2 * width_bin, "color": ROUTE_COLOUR},
                opacity=0.35 + 0.15 * width_bin,
                hoverinfo="skip",
                showlegend=False,
                name="routes",
            )
        )
    if mid_lat:
        fig.add_trace(
            go.Scattergeo(
                lat=mid_lat,
                lon=mid_lon,
                mode="markers",
                marker={"size": 4, "color": ROUTE_COLOUR, "opacity": 0.6},
                text=mid_text,
                hoverinfo="text",
                name="Routes (legs flown)",
            )
        )
    busiest = max((a["n"] for a in airports), default=1)
    fig.add_trace(
        go.Scattergeo(
            lat=[a["lat"] for a in airports],
            lon=[a["lon"] for a in airports],
            mode="markers",
            marker={
                "size": [4 + 18 * math.sqrt(a["n"] / busiest) for a in airports],
                "color": AIRPORT_COLOUR,
                "opacity": 0.85,
                "line": {"width": 0.5, "color": "#ffffff"},
            },
            text=[f"{a['code']} {a['name']}: {a['n']:,} movements" for a in airports],
            customdata=[a.get("url", "") for a in airports],
            hoverinfo="text",
            name="Airports (takeoffs + landings)",
        )
    )
    return _geo_layout(fig, height=520, fit=False)


def flight_map(legs: Iterable[Mapping]) -> go.Figure:
    """One mission's legs in flying order. `legs`: {from: airport, to: airport, sequence}."""
    legs = list(legs)
    fig = go.Figure()
    lats: list = []
    lons: list = []
    for leg in legs:
        leg_lats, leg_lons = _arc(leg["from"], leg["to"], steps=24)
        lats.extend([*leg_lats, None])
        lons.extend([*leg_lons, None])
    fig.add_trace(
        go.Scattergeo(
            lat=lats,
            lon=lons,
            mode="lines",
            line={"width": 2, "color": ROUTE_COLOUR},
            hoverinfo="skip",
            name="Legs",
        )
    )
    stops: dict[str, Mapping] = {}
    for leg in legs:
        stops.setdefault(leg["from"]["code"], leg["from"])
        stops.setdefault(leg["to"]["code"], leg["to"])
    fig.add_trace(
        go.Scattergeo(
            lat=[s["lat"] for s in stops.values()],
            lon=[s["lon"] for s in stops.values()],
            mode="markers+text",
            text=list(stops),
            textposition="top center",
            hovertext=[f"{code} {s['name']}" for code, s in stops.items()],
            hoverinfo="text",
            customdata=[s.get("url", "") for s in stops.values()],
            marker={"size": 8, "color": AIRPORT_COLOUR},
            name="Airports",
        )
    )
    return _geo_layout(fig, height=420, fit=True)


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
