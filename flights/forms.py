"""Forms for sightings, moderation decisions and invited accounts."""

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flights.dates import window_error
from flights.images import validate_and_strip
from flights.models import (
    Aircraft,
    AircraftType,
    Airport,
    Flight,
    Leg,
    PeopleDirection,
    PeopleMethod,
    Sighting,
)

# A registration is a country prefix and a mark, with or without the dash: N278GX, XA-ABC,
# C-FABC, 9H-ABC, HK-5000.
REGISTRATION_RE = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{1,3}(-[A-Z0-9]{1,6}|[A-Z0-9]{1,6})$")
# ICAO callsigns are an airline prefix and a number (GXA6051); private flights use the
# registration without its dash (N278GX).
CALLSIGN_RE = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{2,8}$")
# Clocks on phones drift; a sighting a minute "ahead" is not a sighting from the future.
FUTURE_TOLERANCE = dt.timedelta(minutes=2)


def normalise_registration(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def normalise_callsign(value: str) -> str:
    return re.sub(r"[\s-]+", "", value or "").upper()


def airport_from_text(text: str) -> Airport | None:
    """The airport a volunteer typed or picked: "AEX", "kaex" or "KAEX — Alexandria ..."."""
    code = (text or "").strip().split(" ", 1)[0].strip(",;—-")
    return Airport.objects.resolve(code) if code else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each one is checked and re-encoded in `clean`."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        errors, cleaned = [], []
        pixels_left = settings.SIGHTING_MAX_TOTAL_PIXELS
        for upload in files[: settings.SIGHTING_MAX_PHOTOS + 1]:
            try:
                clean = validate_and_strip(upload, pixels_left=pixels_left)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            cleaned.append(clean)
            pixels_left -= clean.pixels
        if len(files) > settings.SIGHTING_MAX_PHOTOS:
            errors.append(_("Attach at most %(n)s photos.") % {"n": settings.SIGHTING_MAX_PHOTOS})
        if errors:
            raise ValidationError(errors)
        return cleaned


class SightingForm(forms.ModelForm):
    """What a volunteer saw. Times are typed in the airport's local time and stored in UTC."""

    when = forms.DateTimeField(
        label=gettext_lazy("When (local time at the airport)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("As shown on a clock at the airport. Cannot be in the future."),
    )
    airport_code = forms.CharField(
        label=gettext_lazy("Airport"),
        max_length=120,
        help_text=gettext_lazy("Code (AEX or KAEX), name or city; pick from the suggestions."),
        widget=forms.TextInput(
            attrs={
                "list": "airport-suggestions",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "data-airport-search": "",
            }
        ),
    )
    photos = PhotosField(
        required=False,
        label=gettext_lazy("Photos"),
        help_text=gettext_lazy(
            "JPEG or PNG, at most %(size)s each. Location and camera data are removed."
        ),
    )

    class Meta:
        model = Sighting
        fields = [
            "event",
            "registration",
            "callsign",
            "aircraft_type",
            "operator_text",
            "people_direction",
            "people_count",
            "people_min",
            "people_max",
            "people_method",
            "vehicles",
            "link",
            "notes",
        ]
        widgets = {
            "event": forms.RadioSelect,
            "registration": forms.TextInput(
                attrs={"autocapitalize": "characters", "placeholder": "N278GX"}
            ),
            "callsign": forms.TextInput(
                attrs={"autocapitalize": "characters", "placeholder": "GXA6051"}
            ),
            "people_count": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "people_min": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "people_max": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "vehicles": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "people_count": gettext_lazy("If you counted exactly. Otherwise give a range below."),
            "link": gettext_lazy("A flight-tracking page for this aircraft or flight."),
        }
        # The model's field names, in the reader's language (i18n area).
        labels = {
            "event": gettext_lazy("What was seen"),
            "registration": gettext_lazy("Registration"),
            "callsign": gettext_lazy("Callsign"),
            "aircraft_type": gettext_lazy("Aircraft type"),
            "operator_text": gettext_lazy("Operator or livery"),
            "people_direction": gettext_lazy("People seen"),
            "people_count": gettext_lazy("People (exact count)"),
            "people_min": gettext_lazy("People, at least"),
            "people_max": gettext_lazy("People, at most"),
            "people_method": gettext_lazy("How the people were counted"),
            "vehicles": gettext_lazy("Vehicles counted"),
            "link": gettext_lazy("Link (flight-tracking page)"),
            "notes": gettext_lazy("Notes"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = self.fields["photos"].help_text % {
            "size": filesizeformat(settings.PHOTO_MAX_UPLOAD_BYTES)
        }
        self.fields["aircraft_type"].queryset = AircraftType.objects.order_by("designator")
        self.fields["aircraft_type"].empty_label = _("Not sure")
        self.fields["event"].choices = [
            c for c in self.fields["event"].choices if c[0]
        ]  # radio buttons need no empty choice
        self.fields["people_direction"].choices = [("", _("Not said")), *PeopleDirection.choices]
        self.fields["people_method"].choices = [("", _("Choose how")), *PeopleMethod.choices]
        self.airport: Airport | None = None

    def clean_airport_code(self) -> str:
        text = self.cleaned_data["airport_code"]
        self.airport = airport_from_text(text)
        if self.airport is None:
            raise ValidationError(
                _(
                    'Unknown airport "%(text)s". Type its code (e.g. AEX or KAEX), '
                    "or its name or city and pick from the suggestions."
                )
                % {"text": text.strip()}
            )
        return text

    def clean_registration(self) -> str:
        value = normalise_registration(self.cleaned_data.get("registration", ""))
        if value and not REGISTRATION_RE.match(value):
            raise ValidationError(
                _(
                    '"%(value)s" does not look like a registration: letters and digits with an '
                    "optional dash, such as N278GX or XA-ABC."
                )
                % {"value": value}
            )
        return value

    def clean_callsign(self) -> str:
        value = normalise_callsign(self.cleaned_data.get("callsign", ""))
        if value and not CALLSIGN_RE.match(value):
            raise ValidationError(
                _(
                    '"%(value)s" does not look like a callsign: 2 to 8 letters and digits, such as '
                    "GXA6051 or N278GX."
                )
                % {"value": value}
            )
        return value

    def clean(self):
        data = super().clean()
        if (
            not data.get("registration")
            and not data.get("callsign")
            and "registration" not in self.errors
            and "callsign" not in self.errors
        ):
            self.add_error("registration", _("Give the registration, the callsign, or both."))
        self._clean_when(data)
        self._clean_people(data)
        return data

    def _clean_when(self, data) -> None:
        local = data.get("when")
        if local is None or self.airport is None:
            return
        try:
            zone = ZoneInfo(self.airport.tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        # The browser sends a wall-clock time; Django made it aware in UTC. Re-read it as the
        # airport's own wall clock.
        naive = (
            timezone.make_naive(local, timezone.get_current_timezone())
            if timezone.is_aware(local)
            else local
        )
        # Checked on the wall-clock date first: converting year 1 or 9999 to UTC overflows.
        problem = window_error(naive.date())
        if problem:
            self.add_error("when", problem)
            return
        seen_at = naive.replace(tzinfo=zone).astimezone(dt.UTC)
        problem = window_error(seen_at.date())  # 1990-01-01 00:30 east of UTC is still 1989
        if problem:
            self.add_error("when", problem)
            return
        now = timezone.now()
        if seen_at > now + FUTURE_TOLERANCE:
            local_now = now.astimezone(zone)
            self.add_error(
                "when",
                _(
                    "This time is in the future: it is now %(now)s at %(airport)s. Enter when "
                    "you saw the aircraft, in local time there."
                )
                % {"now": f"{local_now:%Y-%m-%d %H:%M}", "airport": self.airport.code},
            )
            return
        data["seen_at"] = seen_at

    def _clean_people(self, data) -> None:
        count, low, high = data.get("people_count"), data.get("people_min"), data.get("people_max")
        given = any(value is not None for value in (count, low, high))
        if count is not None and (low is not None or high is not None):
            self.add_error("people_count", _("Give an exact count or a range, not both."))
        if low is not None and high is not None and low > high:
            self.add_error(
                "people_max",
                _("The upper figure (%(high)s) is below the lower (%(low)s).")
                % {"high": high, "low": low},
            )
        if given and not data.get("people_method"):
            self.add_error("people_method", _("Say how you counted the people."))
        if (
            count is not None
            and data.get("people_method")
            and data["people_method"] != PeopleMethod.COUNTED
            and low is None
            and high is None
        ):
            # An estimate of one number is still an estimate: store it as a one-point range.
            data["people_min"] = data["people_max"] = count
            data["people_count"] = None

    def save(self, reporter, commit: bool = True) -> Sighting:
        sighting: Sighting = super().save(commit=False)
        sighting.reporter = reporter
        sighting.airport = self.airport
        sighting.seen_at = self.cleaned_data["seen_at"]
        sighting.people_min = self.cleaned_data.get("people_min")
        sighting.people_max = self.cleaned_data.get("people_max")
        sighting.people_count = self.cleaned_data.get("people_count")
        if sighting.registration:
            sighting.aircraft = Aircraft.objects.filter(
                registration__in={sighting.registration, sighting.registration.replace("-", "")}
            ).first()
        if commit:
            sighting.save()
        return sighting


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to the volunteer)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttachForm(forms.Form):
    """Attach a sighting to a flight, or to one of its legs."""

    flight = forms.IntegerField(label="Flight number (id)", min_value=1)
    leg = forms.IntegerField(label="Leg (id, optional)", min_value=1, required=False)
    verify = forms.BooleanField(label="I verified this flight: mark it confirmed", required=False)
    reason = forms.CharField(label="Note (optional)", max_length=1000, required=False)

    def clean(self):
        data = super().clean()
        flight_id, leg_id = data.get("flight"), data.get("leg")
        if flight_id is None:
            return data
        flight = Flight.objects.filter(pk=flight_id).first()
        if flight is None:
            self.add_error("flight", f"There is no flight {flight_id}.")
            return data
        data["flight_obj"] = flight
        data["leg_obj"] = None
        if leg_id is not None:
            leg = Leg.objects.filter(pk=leg_id, flight=flight).first()
            if leg is None:
                self.add_error("leg", f"Flight {flight_id} has no leg {leg_id}.")
            data["leg_obj"] = leg
        return data


class CreateFlightForm(forms.Form):
    """A new flight from a sighting; the other end of the leg is optional."""

    other_airport = forms.CharField(
        label="Other airport (where it came from or went to; optional)",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"list": "airport-suggestions", "data-airport-search": ""}),
    )
    verify = forms.BooleanField(label="I verified this flight: mark it confirmed", required=False)
    reason = forms.CharField(label="Note (optional)", max_length=1000, required=False)

    def __init__(self, *args, sighting: Sighting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sighting = sighting

    def clean_other_airport(self):
        text = self.cleaned_data.get("other_airport", "").strip()
        if not text:
            return None
        airport = airport_from_text(text)
        if airport is None:
            raise ValidationError(f'Unknown airport "{text}".')
        if self.sighting is not None and airport.pk == self.sighting.airport_id:
            raise ValidationError("The other airport must differ from where it was seen.")
        return airport


class DuplicateForm(forms.Form):
    original = forms.IntegerField(label="Duplicate of sighting (id)", min_value=1)
    reason = forms.CharField(label="Note (optional)", max_length=1000, required=False)

    def __init__(self, *args, sighting: Sighting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sighting = sighting

    def clean_original(self):
        pk = self.cleaned_data["original"]
        if self.sighting is not None and pk == self.sighting.pk:
            raise ValidationError("A sighting cannot duplicate itself.")
        original = Sighting.objects.filter(pk=pk).first()
        if original is None:
            raise ValidationError(f"There is no sighting {pk}.")
        return original


class InvitationForm(forms.Form):
    email = forms.EmailField(required=False, help_text="Send the link by e-mail (optional).")
    note = forms.CharField(max_length=200, required=False, help_text="Who this is for.")
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=60, initial=7)


class InvitedUserForm(UserCreationForm):
    """Create the account an invitation allows; joins the volunteer group."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
