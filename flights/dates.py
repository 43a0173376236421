"""The window of dates the tracker accepts, in one place (see docs/security.md, "Dates").

Filters, sighting forms, imports and the API all check dates against this window, so a stored
value can never be one that date arithmetic elsewhere (previous periods, chart axes, time zones)
overflows on. Tracked flights begin in the 1990s; one day ahead allows for time zones.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST = dt.date(1990, 1, 1)


def latest() -> dt.date:
    """The last accepted date: tomorrow (UTC), so a flight today anywhere on Earth is accepted."""
    return timezone.now().date() + dt.timedelta(days=1)


def in_window(day: dt.date) -> bool:
    return EARLIEST <= day <= latest()


def window_error(day: dt.date) -> str | None:
    """A message saying why `day` is outside the window, or None when it is inside."""
    if day < EARLIEST:
        return _("%(date)s is before %(earliest)s, the earliest date the tracker accepts.") % {
            "date": day.isoformat(),
            "earliest": EARLIEST.isoformat(),
        }
    if day > latest():
        return _("%(date)s is more than one day in the future.") % {"date": day.isoformat()}
    return None
