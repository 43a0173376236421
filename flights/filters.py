"""The one filter form every analyst page, export and API endpoint reads from the query string.

Pages, exports and the API all call `filter_flights()` / `filter_legs()`, so a shared URL means the
same flights everywhere. `cache_key()` is what cached aggregates key on.
"""

import datetime as dt

from django import forms
from django.utils.http import urlencode

from flights.cache import cached
from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.models import Airport, Country, Flight, FlightSource, Leg, Operator


def operator_choices() -> list[tuple[int, str]]:
    return cached(
        "operator_choices", None, lambda: list(Operator.objects.values_list("id", "name"))
    )


def country_names() -> dict[str, str]:
    return cached("country_names", None, lambda: dict(Country.objects.values_list("code", "name")))


class FlightFilterForm(forms.Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    country = forms.CharField(
        required=False,
        max_length=2,
        label="Destination country",
        help_text="ISO code, e.g. CN",
        widget=forms.TextInput(attrs={"size": 3, "placeholder": "e.g. CN"}),
    )
    airport = forms.CharField(
        required=False,
        max_length=8,
        label="Departure airport",
        widget=forms.TextInput(attrs={"size": 5, "placeholder": "e.g. AEX"}),
    )
    # Choices from the cache, not a ModelChoiceField: a warm page then runs no query for them.
    operator = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    aircraft = forms.CharField(
        required=False,
        max_length=10,
        label="Aircraft",
        widget=forms.TextInput(attrs={"size": 8, "placeholder": "registration"}),
    )
    kind = forms.MultipleChoiceField(
        choices=FlightKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.MultipleChoiceField(
        choices=ReviewStatus.choices,
        required=False,
        label="Review status",
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.ChoiceField(
        choices=[("", "Any source"), *SourceKind.choices], required=False, label="Source"
    )

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
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = [("", "Any operator"), *operator_choices()]

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        if code and code not in country_names():
            raise forms.ValidationError(f"Unknown country code “{code}”.")
        return code

    def clean_aircraft(self) -> str:
        return self.cleaned_data["aircraft"].strip().upper()

    def clean_airport(self):
        code = self.cleaned_data["airport"].strip().upper()
        if not code:
            return None
        airport = Airport.objects.resolve(code)
        if airport is None:
            raise forms.ValidationError(f"Unknown airport code “{code}”.")
        return airport

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        return data

    @property
    def values(self) -> dict:
        """Cleaned values (empty when invalid), for cache keys and headings."""
        return self.cleaned_data if self.is_valid() else {}

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        return self.values.get("start"), self.values.get("end")

    def cache_key(self) -> tuple:
        """The filters as plain, ordered values: equal filters give equal keys."""
        data = self.values
        return (
            data.get("start"),
            data.get("end"),
            data.get("country") or "",
            data["airport"].pk if data.get("airport") else None,
            data.get("operator"),
            data.get("aircraft") or "",
            tuple(sorted(data.get("kind") or ())),
            tuple(sorted(data.get("status") or ())),
            data.get("source") or "",
        )

    def is_filtered(self) -> bool:
        return any(self.values.get(name) for name in self.NAMES)

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
        """Flights matching the filters; invalid filters filter nothing (the form shows why).

        `dates=False` applies every filter but the period, for comparisons with another period.
        """
        qs = Flight.objects.all() if qs is None else qs
        data = self.values
        if not data:
            return qs
        if dates:
            qs = qs.in_period(data.get("start"), data.get("end"))
        if data.get("country"):
            qs = qs.to_country(data["country"])
        if data.get("airport"):
            qs = qs.from_airport(data["airport"])
        if data.get("operator"):
            qs = qs.filter(operator_id=data["operator"])
        if data.get("aircraft"):
            qs = qs.filter(aircraft__registration=data["aircraft"])
        if data.get("kind"):
            qs = qs.of_kind(*data["kind"])
        if data.get("status"):
            qs = qs.with_status(*data["status"])
        if data.get("source"):
            # A subquery, not a join: a join plus DISTINCT would sort every matching flight.
            qs = qs.filter(
                pk__in=FlightSource.objects.filter(source__kind=data["source"]).values("flight_id")
            )
        return qs

    def filter_legs(self, qs=None):
        """Legs of the matching flights."""
        qs = Leg.objects.all() if qs is None else qs
        if not self.is_filtered():
            return qs
        return qs.filter(flight__in=self.filter_flights().values("pk"))
