"""The one filter form every analyst page, export and API endpoint reads from the query string."""

import datetime as dt

from django import forms
from django.db.models import Q

from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.models import Airport, Flight, Leg, Operator


class FlightFilterForm(forms.Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    country = forms.CharField(required=False, max_length=2, label="Destination country (ISO code)")
    airport = forms.CharField(required=False, max_length=8, label="Departure airport (code)")
    operator = forms.ModelChoiceField(
        queryset=Operator.objects.all(), required=False, empty_label="Any operator"
    )
    aircraft = forms.CharField(required=False, max_length=10, label="Aircraft registration")
    kind = forms.MultipleChoiceField(choices=FlightKind.choices, required=False)
    status = forms.MultipleChoiceField(choices=ReviewStatus.choices, required=False)
    source = forms.ChoiceField(choices=[("", "Any source"), *SourceKind.choices], required=False)

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

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

    def filter_flights(self, qs=None):
        """Flights matching the filters; invalid filters filter nothing (the form shows why)."""
        qs = Flight.objects.all() if qs is None else qs
        data = self.values
        if not data:
            return qs
        qs = qs.in_period(data.get("start"), data.get("end"))
        if data.get("country"):
            qs = qs.to_country(data["country"])
        if data.get("airport"):
            qs = qs.from_airport(data["airport"])
        if data.get("operator"):
            qs = qs.filter(operator=data["operator"])
        if data.get("aircraft"):
            qs = qs.filter(aircraft__registration=data["aircraft"])
        if data.get("kind"):
            qs = qs.of_kind(*data["kind"])
        if data.get("status"):
            qs = qs.with_status(*data["status"])
        if data.get("source"):
            qs = qs.filter(Q(sources__kind=data["source"])).distinct()
        return qs

    def filter_legs(self, qs=None):
        qs = Leg.objects.all() if qs is None else qs
        if not self.values:
            return qs
        return qs.filter(flight__in=self.filter_flights().values("pk"))
