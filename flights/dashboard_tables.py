"""The rows of the analyst pages' small tables (routes, airports, countries, operators), written
in Python as the flight tables are (`flights.flight_table`).

In template loops each cell was a `{% url %}`, an `intcomma` and a `widthratio`: the route
map's three tables cost 3.3 ms and the overview's three 1.9 ms of a cold page at 1,000,000
flights, against a budget of one `count(*)` (docs/benchmarks.md, "Analyst pages, cold: fifth
session"); joined escaped strings take a tenth of that. Every value goes through `escape`;
URLs come from `reverse` once per table, with a placeholder for the code.
"""

from collections.abc import Callable, Iterable
from html import escape
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

_PLACEHOLDER = "XXXX"
# What `reverse` leaves unquoted in an argument (RFC 3986 sub-delimiters, ~ : @), but "/".
_SAFE = "!$&'()*+,;=~:@"


def grouped() -> Callable[[int], str]:
    """intcomma for whole numbers in the page's language, as one format call per number."""
    separator = formats.get_format("THOUSAND_SEPARATOR")
    if formats.get_format("NUMBER_GROUPING") != 3:
        return intcomma
    return lambda n: f"{n:,}".replace(",", separator)


def share(n: int, total: int) -> str:
    """A whole percentage as `{% widthratio n total 100 %}` wrote it (0 of nothing)."""
    return str(round(n / total * 100)) if total else "0"


def url_maker(name: str) -> Callable[[str], str]:
    """The page URL of a code (an airport's ICAO, a country's), from one `reverse` of the URL
    name: a table or a map needs hundreds. Quoted as `reverse` quotes; not HTML-escaped."""
    template = reverse(name, args=[_PLACEHOLDER])
    return lambda code: template.replace(_PLACEHOLDER, quote(code, safe=_SAFE))


def _rows(items: Iterable[dict], cells: Callable[[dict], Iterable[str]]) -> SafeString:
    rows = ("".join(cells(item)) for item in items)
    return mark_safe("".join(f"<tr>{row}</tr>" for row in rows))  # noqa: S308 - escaped cells


def airport_cell(airport: dict) -> str:
    """An airport's code linking to its page (the dict carries its `url`), then its name."""
    return (
        f'<td><a href="{escape(airport["url"])}">{escape(airport["code"])}</a> '
        f"{escape(airport['name'])}</td>"
    )


def route_rows(routes: Iterable[dict]) -> SafeString:
    """The route map's "most flown routes": from, to, kind, legs."""
    number = grouped()
    return _rows(
        routes,
        lambda r: (
            airport_cell(r["from"]),
            airport_cell(r["to"]),
            f"<td>{escape(str(r['kind_label']))}</td>",
            f'<td class="num">{escape(number(r["n"]))}</td>',
        ),
    )


def airport_rows(airports: Iterable[dict]) -> SafeString:
    """The route map's "busiest airports": airport, takeoffs and landings."""
    number = grouped()
    return _rows(
        airports, lambda a: (airport_cell(a), f'<td class="num">{escape(number(a["n"]))}</td>')
    )


def country_rows(countries: Iterable[dict], query: str) -> SafeString:
    """The choropleth's numbers: each country linking to its page (with the filters)."""
    number = grouped()
    suffix = f"?{query}" if query else ""
    return _rows(
        countries,
        lambda c: (
            f'<td><a href="{escape(c["url"] + suffix)}">{escape(c["name"])}</a></td>',
            f'<td class="num">{escape(number(c["n"]))}</td>',
        ),
    )


def ranking_rows(rows: Iterable[dict], total: int, label: Callable[[dict], str]) -> SafeString:
    """The overview's top lists: a label cell, flights, share of all flights."""
    number = grouped()
    return _rows(
        rows,
        lambda r: (
            label(r),
            f'<td class="num">{escape(number(r["n"]))}</td>',
            f'<td class="num">{share(r["n"], total)}%</td>',
        ),
    )


def overview_rankings(data: dict, query: str) -> dict[str, SafeString]:
    """The rows of the overview's countries, airports and operators tables."""
    country_url, airport_url = (
        url_maker("flights:country_detail"),
        url_maker("flights:airport_detail"),
    )
    suffix = escape(f"?{query}") if query else ""
    total = data["count"]
    return {
        "countries": ranking_rows(
            data["countries"],
            total,
            lambda r: (
                f'<td><a href="{escape(country_url(r["code"]))}{suffix}">'
                f"{escape(r['name'])}</a></td>"
            ),
        ),
        "airports": ranking_rows(
            data["airports"],
            total,
            lambda r: airport_cell({**r, "url": airport_url(r["icao"])}),
        ),
        "operators": ranking_rows(
            data["operators"], total, lambda r: f"<td>{escape(r['name'])}</td>"
        ),
    }


def destination_rows(destinations: Iterable[dict]) -> SafeString:
    """An airport page's "where legs went": next airport, its country, legs."""
    number, url = grouped(), url_maker("flights:airport_detail")
    return _rows(
        destinations,
        lambda r: (
            airport_cell({**r, "url": url(r["icao"])}),
            f"<td>{escape(r['country'])}</td>",
            f'<td class="num">{escape(number(r["n"]))}</td>',
        ),
    )
