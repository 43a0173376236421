"""Subscribing to a filter: an airport, a country, an aircraft, an operator, a kind, or the URL
of any flight list page (its filters are kept). Every filter is stored as the flight list's
query string and checked by the one filter form, so an alert means what the page shows."""

from urllib.parse import parse_qsl, urlsplit

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flights.alerts.sending import webhook_address_error
from flights.choices import FlightKind
from flights.filters import FlightFilterForm, operator_choices
from flights.models import Frequency

# Pages whose URL can be followed, and the filter their path stands for.
_PAGE_FILTERS = {
    "flight_list": None,
    "dashboard": None,
    "route_map": None,
    "airport_detail": ("airport", "code"),
    "country_detail": ("country", "code"),
    "aircraft_detail": ("aircraft", "registration"),
}


def query_from_url(url: str) -> list[tuple[str, str]]:
    """The filters of a page URL (any language), or ValidationError naming what is wrong."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    # The URL's own language decides how its path resolves (/es/... or unprefixed English).
    language = next(
        (code for code, _name in settings.LANGUAGES if path.startswith(f"/{code}/")),
        settings.LANGUAGE_CODE,
    )
    try:
        with translation.override(language):
            match = resolve(path)
    except Resolver404:
        raise forms.ValidationError(
            _("“%(url)s” is not a page of this site.") % {"url": url}
        ) from None
    if match.url_name not in _PAGE_FILTERS:
        raise forms.ValidationError(
            _("“%(url)s” is not a flight list, airport, country or aircraft page.") % {"url": url}
        )
    pairs = [(k, v) for k, v in parse_qsl(parts.query) if k in FlightFilterForm.NAMES and v]
    if _PAGE_FILTERS[match.url_name]:
        name, kwarg = _PAGE_FILTERS[match.url_name]
        pairs = [(k, v) for k, v in pairs if k != name] + [(name, match.kwargs[kwarg])]
    return pairs


class FollowFields(forms.Form):
    """What to follow; any combination narrows it further."""

    airport = forms.CharField(
        required=False,
        max_length=8,
        label=gettext_lazy("Departures from airport"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. KAEX or AEX")}),
    )
    country = forms.CharField(
        required=False,
        max_length=2,
        label=gettext_lazy("Destination country"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("ISO code, e.g. GT")}),
    )
    aircraft = forms.CharField(
        required=False,
        max_length=10,
        label=gettext_lazy("Aircraft registration"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. N123AB")}),
    )
    operator = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=gettext_lazy("Operator")
    )
    kind = forms.ChoiceField(required=False, label=gettext_lazy("Kind of flight"))
    url = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Or the address of a page with filters"),
        help_text=gettext_lazy("A flight list, airport, country or aircraft page of this site."),
    )
    only_firsts = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "Only firsts: a first removal flight to a country in 12 months, a new aircraft, "
            "a new departure airport"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = [("", _("Any operator")), *operator_choices()]
        self.fields["kind"].choices = [("", _("Any kind")), *FlightKind.choices]

    def clean(self):
        data = super().clean()
        pairs = []
        if data.get("url"):
            try:
                pairs = query_from_url(data["url"])
            except forms.ValidationError as exc:
                self.add_error("url", exc)
                return data
        for name in ("airport", "country", "aircraft", "operator", "kind"):
            if data.get(name):
                pairs = [(k, v) for k, v in pairs if k != name] + [(name, str(data[name]))]
        if not pairs:
            raise forms.ValidationError(_("Choose at least one thing to follow."))
        filters = FlightFilterForm(QueryDict(urlencode(pairs)))
        if not filters.is_valid():
            for name, errors in filters.errors.items():
                self.add_error(name if name in self.fields else None, errors)
            return data
        data["query"] = urlencode(sorted(pairs))
        data["label"] = label_of(filters)
        return data


def label_of(filters: FlightFilterForm) -> str:
    """A short description of a filter, e.g. "Departures from AEX · to GT"."""
    values = filters.values
    parts = []
    if values.get("airport"):
        parts.append(_("departures from %(airport)s") % {"airport": values["airport"].code})
    if values.get("country"):
        parts.append(_("to %(country)s") % {"country": values["country"]})
    if values.get("aircraft"):
        parts.append(_("aircraft %(aircraft)s") % {"aircraft": values["aircraft"]})
    if values.get("operator"):
        names = dict(operator_choices())
        parts.append(_("operator %(operator)s") % {"operator": names.get(values["operator"])})
    for kind in values.get("kind") or ():
        parts.append(str(FlightKind(kind).label).lower())
    for name in ("start", "end", "status", "source"):
        if values.get(name):
            parts.append(_("with the page's other filters"))
            break
    label = " · ".join(parts) or _("all flights")
    return label[:1].upper() + label[1:]


class SubscribeForm(FollowFields):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"), max_length=254)
    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        initial=Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
        label=gettext_lazy("How often"),
    )


class WebhookForm(FollowFields):
    webhook_url = forms.URLField(
        label=gettext_lazy("Webhook URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("We POST JSON signed with HMAC-SHA256 to this address."),
    )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"]
        error = webhook_address_error(url)
        if error:
            raise forms.ValidationError(error)
        return url
