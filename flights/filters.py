"""The one filter definition that pages, exports and the API read from the query string.

`FlightFilterSet` (django-filter) declares the parameters; its form, `FlightFilterForm`, validates
them; `FilterValues` is what they mean, as plain frozen values that aggregates, exports and the
API apply with `values.filter_flights(qs)`. A shared URL therefore means the same flights
everywhere, and `cache_key()` is what cached aggregates key on (docs/api.md, "Filters").

Shareable URLs carry names, not database ids: `operator=globalx` (the operator's slug). The old
numeric ids (`operator=3`) still work. A value that cannot be used is an error on pages (400 with
the form, `InvalidFiltersMiddleware`) as in the API: filtering nothing would show every flight
under a filter the reader typed.
"""

import dataclasses
import datetime as dt
import functools

import django_filters
from django import forms
from django.db import connections, router
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flights import dates
from flights.cache import cached
from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.form_renderer import FastWidgets
from flights.models import Airport, Country, Flight, FlightSource, Leg, Operator
from flights.models.reference import short_code


class Synthetic:
    """How generated demo flights are treated: left out unless a reader asks for them."""

    EXCLUDE, INCLUDE, ONLY = "exclude", "include", "only"
    CHOICES = [
        (EXCLUDE, gettext_lazy("Real flights only")),
        (INCLUDE, gettext_lazy("Real and synthetic")),
        (ONLY, gettext_lazy("Synthetic only")),
    ]


def operator_slug_choices() -> list[tuple[str, str]]:
    """(slug, name) of every operator; the slug is what URLs carry."""
    return [(slugify(name), name) for _, name in operator_choices()]


def operator_choices() -> list[tuple[int, str]]:
    """(id, name) of every operator (aggregates name operators by id with it)."""
    return cached(
        "operator_choices", None, lambda: list(Operator.objects.values_list("id", "name"))
    )


def operator_ids_by_slug() -> dict[str, int]:
    return {slugify(name): pk for pk, name in operator_choices()}


def country_names() -> dict[str, str]:
    return cached("country_names", None, lambda: dict(Country.objects.values_list("code", "name")))


def origin_airports() -> list[tuple[str, str]]:
    """(code, name) of every airport a flight departs from: the airport picker's options."""

    def compute():
        ids = _origin_ids()
        # Columns, not Airport instances: hundreds of rows on every cold page with the form.
        rows = Airport.objects.filter(pk__in=ids).order_by("icao")[:2000]
        return [
            (short_code(icao, iata, lid), name)
            for icao, iata, lid, name in rows.values_list("icao", "iata", "lid", "name")
        ]

    return cached("origin_airports", None, compute)


# The distinct departure airports by skipping through the (origin, date) index, one step per
# airport: a DISTINCT over the flights reads every row (75 ms at 100,000 flights, on every cold
# page with the filter form).
_ORIGINS_SKIP_SCAN = """
WITH RECURSIVE o(id) AS (
    SELECT min(origin_id) FROM flights_flight
    UNION ALL
    SELECT (SELECT min(origin_id) FROM flights_flight WHERE origin_id > o.id)
    FROM o WHERE o.id IS NOT NULL
)
SELECT id FROM o WHERE id IS NOT NULL
"""


def filter_options() -> dict[str, list[tuple[str, str]]]:
    """The pickers' suggestions, (code, name) pairs: every country, by name, and every departure
    airport. Served apart from the pages (flights.views.dashboard.filter_options_json), fetched by
    static/js/filters.js when a reader first uses the form: three queries and about 11 KB that
    every cold page paid for a list few readers open (docs/dashboard.md, "What a cold page
    costs")."""
    return {
        "countries": sorted(country_names().items(), key=lambda item: item[1]),
        "airports": origin_airports(),
    }


def _origin_ids():
    using = router.db_for_read(Flight)
    if connections[using].vendor != "postgresql":
        return Flight.objects.order_by().values("origin_id").distinct()
    with connections[using].cursor() as cursor:
        cursor.execute(_ORIGINS_SKIP_SCAN)
        return [row[0] for row in cursor.fetchall()]


@dataclasses.dataclass(frozen=True)
class FilterValues:
    """What a set of filters means, as plain values: what aggregates and exports take."""

    start: dt.date | None = None
    end: dt.date | None = None
    country: str = ""
    airport_id: int | None = None
    operator_id: int | None = None
    aircraft: str = ""
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    source: str = ""
    synthetic: str = Synthetic.EXCLUDE

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        return self.start, self.end

    def cache_key(self) -> tuple:
        """Equal filters give equal keys (kinds and statuses are kept sorted)."""
        return dataclasses.astuple(self)

    def is_filtered(self) -> bool:
        """True when anything narrows the flights beyond the default (real flights only)."""
        return self != FilterValues(synthetic=self.synthetic) or (
            self.synthetic != Synthetic.EXCLUDE
        )

    def filter_flights(self, qs=None, *, dates: bool = True):
        """Flights matching the filters; `dates=False` ignores the period (for comparisons)."""
        qs = Flight.objects.all() if qs is None else qs
        if self.synthetic == Synthetic.EXCLUDE:
            qs = qs.real()
        elif self.synthetic == Synthetic.ONLY:
            qs = qs.filter(is_synthetic=True)
        if dates:
            qs = qs.in_period(self.start, self.end)
        if self.country:
            qs = qs.to_country(self.country)
        if self.airport_id:
            qs = qs.filter(origin_id=self.airport_id)
        if self.operator_id:
            qs = qs.filter(operator_id=self.operator_id)
        if self.aircraft:
            qs = qs.filter(aircraft__registration=self.aircraft)
        if self.kinds:
            qs = qs.of_kind(*self.kinds)
        if self.statuses:
            qs = qs.with_status(*self.statuses)
        if self.source:
            # A subquery, not a join: a join plus DISTINCT would sort every matching flight.
            qs = qs.filter(
                pk__in=FlightSource.objects.filter(source__kind=self.source).values("flight_id")
            )
        return qs

    def filter_legs(self, qs=None):
        """Legs of the matching flights."""
        qs = Leg.objects.all() if qs is None else qs
        if self == FilterValues():
            return qs.filter(flight__is_synthetic=False)
        return qs.filter(flight__in=self.filter_flights().values("pk"))


class OperatorField(forms.ChoiceField):
    """An operator by slug; a numeric id (links made before slugs) is read as that operator."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        if value.isascii() and value.isdigit() and len(value) < 12:
            for pk, name in operator_choices():
                if pk == int(value):
                    return slugify(name)
        return slugify(value) if value else value


class OperatorFilter(django_filters.Filter):
    field_class = OperatorField


class FlightFilterForm(forms.Form):
    """The filters' form: validation, messages, and the methods pages call.

    Its fields are declared on `FlightFilterSet`; `FlightFilterForm(data)` builds the same form
    through the filter set, so both spellings keep working.
    """

    # Field names whose values narrow the flights; used for "active filters" and links.
    NAMES = (
        "start",
        "end",
        "country",
        "airport",
        "operator",
        "aircraft",
        "kind",
        "status",
        "source",
        "synthetic",
    )

    # Its widgets are written in Python (flights.form_renderer): the form is on every page.
    default_renderer = FastWidgets()

    def __new__(cls, *args, **kwargs):
        if cls is FlightFilterForm:
            return _declared_form_class()(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if getattr(self, "_initialised", False):
            # FlightFilterForm(data) returned a form __new__ built already, which Python
            # initialises a second time: copying every field again for nothing.
            return
        self._initialised = True
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = [("", _("Any operator")), *operator_slug_choices()]

    def clean_start(self):
        return self._in_window(self.cleaned_data["start"])

    def clean_end(self):
        return self._in_window(self.cleaned_data["end"])

    @staticmethod
    def _in_window(day):
        if day and (message := dates.window_error(day)):
            raise forms.ValidationError(message)
        return day

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip()
        code = value.upper()
        if not code or code in country_names():
            return code
        by_name = {name.casefold(): c for c, name in country_names().items()}
        if value.casefold() in by_name:
            return by_name[value.casefold()]
        if len(code) == 2:
            raise forms.ValidationError(_("Unknown country code “%(code)s”.") % {"code": code})
        raise forms.ValidationError(_("Unknown country “%(value)s”.") % {"value": value[:60]})

    def clean_aircraft(self) -> str:
        return self.cleaned_data["aircraft"].strip().upper()

    def clean_airport(self):
        code = self.cleaned_data["airport"].strip().upper()
        if not code:
            return None
        airport = Airport.objects.resolve(code)
        if airport is None:
            raise forms.ValidationError(_("Unknown airport code “%(code)s”.") % {"code": code})
        return airport

    def clean_synthetic(self) -> str:
        return self.cleaned_data["synthetic"] or Synthetic.EXCLUDE

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        return data

    @property
    def values(self) -> dict:
        """Cleaned values (empty when invalid), for headings."""
        return self.cleaned_data if self.is_valid() else {}

    def plain(self) -> FilterValues:
        """The filters as plain values (no filter at all when the form is invalid)."""
        data = self.values
        if not data:
            return FilterValues()
        return FilterValues(
            start=data.get("start"),
            end=data.get("end"),
            country=data.get("country") or "",
            airport_id=data["airport"].pk if data.get("airport") else None,
            # Only a chosen operator needs the slug table (a cache read per call otherwise).
            operator_id=operator_ids_by_slug().get(data["operator"])
            if data.get("operator")
            else None,
            aircraft=data.get("aircraft") or "",
            kinds=tuple(sorted(data.get("kind") or ())),
            statuses=tuple(sorted(data.get("status") or ())),
            source=data.get("source") or "",
            synthetic=data.get("synthetic") or Synthetic.EXCLUDE,
        )

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        return self.plain().period()

    def cache_key(self) -> tuple:
        return self.plain().cache_key()

    def is_filtered(self) -> bool:
        return self.plain().is_filtered()

    def querystring(self, **overrides) -> str:
        """The submitted filters as a query string (without '?'), e.g. for pagination links."""
        pairs = []
        for name in self.NAMES:
            if name in overrides:
                continue
            for value in self.data.getlist(name) if hasattr(self.data, "getlist") else []:
                if value:
                    pairs.append((name, value))
        pairs.extend((k, v) for k, v in overrides.items() if v not in (None, ""))
        return urlencode(pairs)

    def filter_flights(self, qs=None, *, dates: bool = True):
        """Flights matching the filters; invalid filters filter nothing (pages answer 400)."""
        return self.plain().filter_flights(qs, dates=dates)

    def filter_legs(self, qs=None):
        return self.plain().filter_legs(qs)


def _text(label, size, placeholder, max_length, datalist=""):
    attrs = {"size": size, "placeholder": placeholder}
    if datalist:
        attrs["list"] = datalist
    return {
        "required": False,
        "label": label,
        "max_length": max_length,
        "widget": forms.TextInput(attrs=attrs),
    }


class FlightFilterSet(django_filters.FilterSet):
    """The query-string parameters of pages, exports and the API (docs/api.md, "Filters")."""

    start = django_filters.DateFilter(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = django_filters.DateFilter(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    country = django_filters.CharFilter(
        **_text(
            gettext_lazy("Destination country"),
            14,
            gettext_lazy("e.g. CN, China"),
            60,
            "country-names",
        ),
        help_text=gettext_lazy("ISO code or name, e.g. CN or China"),
    )
    airport = django_filters.CharFilter(
        **_text(gettext_lazy("Departure airport"), 6, gettext_lazy("e.g. AEX"), 8, "airport-codes")
    )
    operator = OperatorFilter(label=gettext_lazy("Operator"))
    aircraft = django_filters.CharFilter(
        **_text(gettext_lazy("Aircraft"), 8, gettext_lazy("registration"), 10)
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=FlightKind.choices, widget=forms.CheckboxSelectMultiple
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ReviewStatus.choices,
        label=gettext_lazy("Review status"),
        widget=forms.CheckboxSelectMultiple,
    )
    source = django_filters.ChoiceFilter(
        choices=SourceKind.choices,
        empty_label=gettext_lazy("Any source"),
        label=gettext_lazy("Source"),
    )
    synthetic = django_filters.ChoiceFilter(
        choices=Synthetic.CHOICES,
        empty_label=None,
        label=gettext_lazy("Synthetic demo data"),
        help_text=gettext_lazy("Generated demo flights are left out unless you ask for them."),
    )

    class Meta:
        model = Flight
        fields: list[str] = []
        form = FlightFilterForm

    def filter_queryset(self, queryset):
        return self.form.plain().filter_flights(queryset)


class LegFilterSet(FlightFilterSet):
    """The same parameters, selecting the legs of the matching flights."""

    class Meta(FlightFilterSet.Meta):
        model = Leg

    def filter_queryset(self, queryset):
        return self.form.plain().filter_legs(queryset)


@functools.cache
def _declared_form_class() -> type[FlightFilterForm]:
    """The form class django-filter derives from FlightFilterSet's filters, built once: each
    FilterSet deep-copies all its filters to build it, 2 ms of every page (the fields are still
    copied per form, as Django's forms do)."""
    return type(FlightFilterSet().form)


class InvalidFilters(Exception):
    """Raised by a page whose filters cannot be used; answered with 400 and the form."""

    def __init__(self, form):
        super().__init__("invalid filters")
        self.form = form


class DropEmptyParameters(Exception):
    """Raised by a page reached with empty parameters; answered with a redirect without them."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


def page_filters(request) -> FlightFilterForm:
    """The filter form of a page, valid, or InvalidFilters / DropEmptyParameters."""
    query = request.GET
    if request.method == "GET" and any(not v for values in query.lists() for v in values[1]):
        kept = [(k, v) for k, values in query.lists() for v in values if v]
        raise DropEmptyParameters(f"{request.path}?{urlencode(kept)}" if kept else request.path)
    form = FlightFilterForm(query or None)
    if form.is_bound and not form.is_valid():
        raise InvalidFilters(form)
    return form


class InvalidFiltersMiddleware:
    """Turns InvalidFilters from any page into a 400 that shows the form and its messages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DropEmptyParameters):
            return redirect(exception.url)
        if isinstance(exception, InvalidFilters):
            return render(
                request,
                "flights/dashboard/bad_filters.html",
                {"form": exception.form},
                status=400,
            )
        return None
