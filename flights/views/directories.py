"""Directories (airports, aircraft, operators, countries) and the favicon."""

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from flights import directories, synthetic

TITLES = {
    "airports": _("Airports"),
    "aircraft": _("Aircraft"),
    "operators": _("Operators"),
    "countries": _("Destination countries"),
}
FAVICON = Path(settings.BASE_DIR) / "static" / "img" / "favicon.ico"


def _directory(request, name: str):
    query = directories.clean_query(request.GET.get("q"))
    mode = synthetic.mode_of_value(request.GET.get("synthetic"))
    rows = getattr(directories, name)(query, mode)
    return render(
        request,
        f"flights/directories/{name}.html",
        {"rows": rows, "q": query, "title": TITLES[name], "name": name, "limit": directories.LIMIT},
    )


@require_safe
def airport_list(request):
    return _directory(request, "airports")


@require_safe
def aircraft_list(request):
    return _directory(request, "aircraft")


@require_safe
def operator_list(request):
    return _directory(request, "operators")


@require_safe
def country_list(request):
    return _directory(request, "countries")


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
