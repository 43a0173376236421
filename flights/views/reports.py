"""Monthly reports, reconciliation with published counts, people and cost, methodology.

Views parse the URL, ask `flights.reports` / `flights.people` for cached plain data and render;
every figure links to the flight list behind it (the filter form's parameters).
"""

import datetime as dt
import re

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from flights import dates, people, reports, synthetic
from flights.choices import FlightKind

MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> dt.date:
    """`2025-03` as its first day; 404 for anything else or outside the tracker's window."""
    found = MONTH.fullmatch(text or "")
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise Http404("Months are written YYYY-MM.")
    month = dt.date(int(found.group(1)), int(found.group(2)), 1)
    if month < dates.EARLIEST.replace(day=1) or month > dates.latest():
        raise Http404("No report for a month outside the tracked period.")
    return month


def flights_link(month: dt.date, mode: str, **params) -> str:
    """The flight list behind a figure: the month, plus the figure's own filter."""
    query = {"start": month.isoformat(), "end": reports.month_end(month).isoformat()}
    query |= {k: v for k, v in params.items() if v not in (None, "")}
    if mode != synthetic.EXCLUDE:
        query["synthetic"] = mode
    return f"{reverse('flights:flight_list')}?{urlencode(query, doseq=True)}"


def _with_links(rows: list[dict], month: dt.date, mode: str, param: str, value) -> list[dict]:
    return [r | {"url": flights_link(month, mode, **{param: value(r)})} for r in rows]


def _report_context(request, text: str) -> dict:
    month = parse_month(text)
    mode = synthetic.mode_of_value(request.GET.get("synthetic"))
    data = reports.monthly_report(month, mode)
    removal_kinds = [FlightKind.REMOVAL, FlightKind.LATERAL]
    sections = {
        "kinds": _with_links(data["kinds"], month, mode, "kind", lambda r: r["key"]),
        "countries": _with_links(data["countries"], month, mode, "country", lambda r: r["key"]),
        "airports": _with_links(
            data["airports"], month, mode, "airport", lambda r: r["name"].split()[0]
        ),
        "operators": _with_links(data["operators"], month, mode, "operator", lambda r: r["key"]),
        "aircraft": _with_links(data["aircraft"], month, mode, "aircraft", lambda r: r["name"]),
    }
    for row in sections["countries"]:
        row["url"] = flights_link(month, mode, country=row["key"], kind=removal_kinds)
    previous, following = reports.add_months(month, -1), reports.add_months(month, 1)
    return {
        "month": month,
        "data": data,
        "mode": mode,
        "all_url": flights_link(month, mode),
        "removals_url": flights_link(month, mode, kind=removal_kinds),
        "lateral_url": flights_link(month, mode, kind=[FlightKind.LATERAL]),
        "previous_month": previous if previous and previous >= dates.EARLIEST else None,
        "next_month": following if following and following <= dates.latest() else None,
        **sections,
    }


@require_safe
def report_index(request):
    mode = synthetic.mode_of_value(request.GET.get("synthetic"))
    return render(request, "flights/reports/index.html", {"months": reports.months_tracked(mode)})


@require_safe
def monthly_report(request, month: str):
    return render(request, "flights/reports/month.html", _report_context(request, month))


@require_safe
def monthly_report_print(request, month: str):
    context = _report_context(request, month) | {"printable": True}
    return render(request, "flights/reports/month_print.html", context)


@require_safe
def reconciliation(request):
    mode = synthetic.mode_of_value(request.GET.get("synthetic"))
    return render(
        request, "flights/reports/reconciliation.html", {"data": reports.reconciliation(mode)}
    )


@require_safe
def people_page(request):
    mode = synthetic.mode_of_value(request.GET.get("synthetic"))
    return render(request, "flights/reports/people.html", {"data": people.summary(mode)})


@require_safe
def methodology(request):
    return render(request, "flights/methodology.html")
