"""Column readers: one small pure function per kind of cell, shared by every format.

Each reader takes the cell's text (already stripped) and returns the value, or raises
`CellError` with the message a rejected row shows (the importer adds line, column and value).
The value spellings each reader accepts are listed in docs/imports.md.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from flights.choices import Basis
from flights.dates import window_error


class CellError(ValueError):
    """A cell that cannot be read; the message says why, without repeating the value."""


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TEXT_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
# "Tuesday, May 7, 2019", "May 7, 2019", "Wed Oct 1 2025" (station logs).
_WORDY_DATE = re.compile(r"^(?:[A-Za-z]+,?\s+)?([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_HELP = "use YYYY-MM-DD, M/D/YYYY or D Mon YYYY"


def parse_date(value: str, excel: bool = False) -> dt.date | None:
    """The date a cell spells, or None; `excel` also reads Excel serial day numbers. Stray
    punctuation after a spelled-out date (`May 26, 2020.`) is ignored."""
    value = value.rstrip(".'\" ") if value[-1:] in ".'\"" else value
    if m := _ISO_DATE.match(value):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _US_DATE.match(value):
        mo, d, y = int(m[1]), int(m[2]), int(m[3])
    elif m := _TEXT_DATE.match(value):
        d, y = int(m[1]), int(m[3])
        mo = MONTHS.get(m[2].lower())
    elif m := _WORDY_DATE.match(value):
        mo, d, y = MONTHS.get(m[1].lower()), int(m[2]), int(m[3])
    elif excel and _EXCEL_SERIAL.match(value):
        return EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    else:
        return None
    if mo is None:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


def read_date(value: str, excel: bool = False) -> dt.date:
    """A date inside the tracker's window (flights/dates.py)."""
    day = parse_date(value, excel)
    if day is None:
        raise CellError(f'unreadable date "{value}": {DATE_HELP}')
    problem = window_error(day)
    if problem:
        raise CellError(problem)
    return day


_WHOLE = re.compile(r"^\+?(\d{1,10})(?:\.0*)?$")
MAX_WHOLE = 2_000_000_000


def read_whole(value: str) -> int:
    """A whole number ≥ 0; `21.0` (a spreadsheet's float) is 21."""
    m = _WHOLE.match(value)
    if m is None or int(m[1]) > MAX_WHOLE:
        raise CellError(f'not a whole number ≥ 0: "{value}"')
    return int(m[1])


FLAGS = {
    "true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
    "1": True, "0": False, "1.0": True, "0.0": False, "t": True, "f": False,
}  # fmt: skip


def read_flag(value: str) -> bool:
    """yes/no, y/n, true/false, 1/0, 1.0/0.0 in any case; empty is no."""
    if not value:
        return False
    flag = FLAGS.get(value.lower())
    if flag is None:
        raise CellError(f'not a yes/no value "{value}": use yes/no, true/false, Y/N or 1/0')
    return flag


# FOIA exemptions as ICE writes them: (B)(6), (b)(7)(E), (B)(6);(B)(7)(C), spaces anywhere.
_REDACTION = re.compile(
    r"^\(\s*b\s*\)\s*\(\s*\d\s*\)(?:\s*\(\s*[a-z]\s*\))?"
    r"(?:\s*[;,/&]?\s*\(\s*b\s*\)\s*\(\s*\d\s*\)(?:\s*\(\s*[a-z]\s*\))?)*$",
    re.IGNORECASE,
)


def is_redacted(value: str) -> bool:
    """Whether a cell is a FOIA redaction marker rather than a value."""
    return bool(value) and value[0] == "(" and bool(_REDACTION.match(value.strip()))


# "Miami, FL(MIA/KMIA)", "La Mesa(SAP/MHLM)", "Guatemala City (GUA / MGGT)", and with one code
# where the airport has no IATA code: "Wendover, UT (KENV)".
_BRACKETED_CODES = re.compile(r"\(\s*([A-Za-z0-9]{3,4})?\s*(?:/\s*([A-Za-z0-9]{3,4})?\s*)?\)\s*$")


def airport_codes(value: str) -> list[str]:
    """The codes a cell gives for one airport, best first: a bracketed `(IATA/ICAO)` gives its
    ICAO then its IATA code, a bracketed `(ICAO)` that code; anything else is a code itself."""
    m = _BRACKETED_CODES.search(value)
    if m is None:
        return [value.strip()] if value.strip() else []
    return [code.upper() for code in (m[2], m[1]) if code]


_AIRCRAFT = re.compile(r"^([A-Za-z0-9]{2,4})\s*\(\s*([A-Za-z0-9-]{2,10})\s*\)$")


def aircraft_cell(value: str) -> tuple[str, str]:
    """(type designator, registration) of `B733 (N811TJ)`; ("", "") when not that shape."""
    m = _AIRCRAFT.match(value.strip())
    if m is None:
        return "", ""
    return m[1].upper(), m[2].upper().replace("-", "") if m[2][:1] == "N" else m[2].upper()


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([A-Za-z]{2,5}))?$")
_CLOCK_IN_TEXT = re.compile(r"(\d{1,2}:\d{2})(?:\s*([A-Za-z]{2,5}))?\s*$")
TIME_HELP = "use HH:MM (UTC) or ISO 8601 with an offset"


def clock(value: str) -> tuple[int, int, int, str] | None:
    """(hour, minute, second, zone abbreviation or "") of `07:00`, `7:00:30`, `07:00 EDT`."""
    m = _CLOCK.match(value)
    if m is None:
        return None
    h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s, (m[4] or "").upper()


# Abbreviations flight-tracking sites print where the time zone database names the zone by its
# offset only ("-03" for Brasília since 2017): accepted when the offset is the zone's on that
# day (docs/flightlog-format.md, "Times"). Hours east of UTC.
NAMED_OFFSETS = {
    "ACT": -5, "AMT": -4, "ART": -3, "BOT": -4, "BRT": -3, "BRST": -2, "CLT": -4, "CLST": -3,
    "COT": -5, "ECT": -5, "FNT": -2, "GFT": -3, "GYT": -4, "PET": -5, "PYT": -4, "PYST": -3,
    "SRT": -3, "UYT": -3, "VET": -4,
    "AFT": 4.5, "AZT": 4, "GST": 4, "ICT": 7, "IRST": 3.5, "KGT": 6, "NPT": 5.75, "TJT": 5,
    "TRT": 3, "UZT": 5,
}  # fmt: skip


def _names_zone(abbreviation: str, local: dt.datetime) -> bool:
    """Whether `abbreviation` is what the zone is called at `local`, or, where the time zone
    database calls it by its offset, a name of that offset (NAMED_OFFSETS)."""
    name = local.tzname() or ""
    if abbreviation == name:
        return True
    hours = NAMED_OFFSETS.get(abbreviation)
    offset = local.utcoffset()
    return (
        name[:1] in "+-"
        and hours is not None
        and offset is not None
        and offset == dt.timedelta(hours=hours)
    )


def read_local_time(value: str, day: dt.date, tz_name: str) -> dt.datetime:
    """A clock time on `day` at an airport whose zone is `tz_name`, as UTC; a zone abbreviation
    after it (`07:00 EDT`) must be what that zone is called on that day (or UTC/Z)."""
    parsed = clock(value)
    if parsed is None:
        raise CellError(f'unreadable time "{value}": use HH:MM, optionally with its zone')
    h, mi, s, abbreviation = parsed
    if abbreviation in ("UTC", "Z", "GMT") or not tz_name:
        if abbreviation not in ("", "UTC", "Z", "GMT"):
            raise CellError(f'time zone "{abbreviation}" cannot be checked: the airport has none')
        return dt.datetime(day.year, day.month, day.day, h, mi, s, tzinfo=dt.UTC)
    try:
        zone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CellError(f'the airport\'s time zone "{tz_name}" is unknown') from None
    local = dt.datetime(day.year, day.month, day.day, h, mi, s, tzinfo=zone)
    if abbreviation and not _names_zone(abbreviation, local):
        raise CellError(
            f'"{abbreviation}" is not the time zone of the airport on {day:%Y-%m-%d} '
            f"({local.tzname()}, {tz_name})"
        )
    return local.astimezone(dt.UTC)


def time_in_text(value: str) -> str:
    """The clock time a status such as `Landed 11:29 EDT` ends with, or ""."""
    m = _CLOCK_IN_TEXT.search(value)
    return f"{m[1]} {m[2] or ''}".strip() if m else ""


OBSERVED_WORDS = ("count", "observ", "seen", "watched")
ESTIMATED_WORDS = ("estim", "deriv", "average", "approx", "guess", "about")
REPORTED_WORDS = ("report", "manifest", "record")


def read_method(value: str) -> str:
    """observed / estimated / reported for a free-text counting method; "" when it says
    nothing we know (the text is kept by the caller either way)."""
    text = value.lower()
    for basis, words in (
        ("estimated", ESTIMATED_WORDS),
        ("observed", OBSERVED_WORDS),
        ("reported", REPORTED_WORDS),
    ):
        if any(word in text for word in words):
            return basis
    return ""


# --- leg cells (flight logs) -----------------------------------------------------------------

_UTC_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_ZONED = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s*[A-Za-z]{2,5}$")


def is_zoned(value: str) -> bool:
    """Whether a time cell is a clock time with its zone's abbreviation (`07:00 EDT`)."""
    return bool(_ZONED.match(value))


def parse_utc_time(value: str, on: dt.date) -> tuple[dt.datetime, bool] | None:
    """(UTC datetime, is a bare clock time) of `HH:MM[:SS]` (UTC) on `on` or of ISO 8601 with
    an offset; None when unreadable."""
    if m := _UTC_CLOCK.match(value):
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if h > 23 or mi > 59 or s > 59:
            return None
        return dt.datetime(on.year, on.month, on.day, h, mi, s, tzinfo=dt.UTC), True
    if "T" not in value and " " not in value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC), False


def read_utc_time(value: str, on: dt.date) -> tuple[dt.datetime, bool]:
    """parse_utc_time(), or CellError."""
    parsed = parse_utc_time(value, on)
    if parsed is None:
        raise CellError(f'unreadable time "{value}": {TIME_HELP}')
    return parsed


def read_airport(value: str, airports) -> int:
    """The airport id of a code cell (`KIWA`, `IWA`, `Mesa, AZ(IWA/KIWA)`), resolved by
    `airports` (base.AirportCodes, the one reading of a code)."""
    if not value:
        raise CellError("missing airport code")
    pk = next(filter(None, map(airports.resolve, airport_codes(value))), None)
    if pk is None:
        raise CellError(f'unknown airport code "{value}"')
    return pk


BASES = {"observed": Basis.OBSERVED, "estimated": Basis.ESTIMATED, "reported": Basis.REPORTED}


def read_basis(value: str) -> str:
    """A counting method named exactly (flight logs): observed, estimated or reported."""
    basis = BASES.get(value.lower(), "")
    if not basis:
        raise CellError(f'unknown counting method "{value}": use observed, estimated or reported')
    return basis


_HEX = re.compile(r"^[0-9a-fA-F]{6}$")


def read_icao24(value: str) -> str:
    """A 6-digit hexadecimal ICAO 24-bit address, in lower case."""
    if not _HEX.match(value):
        raise CellError(f'not a 6-digit hexadecimal ICAO 24-bit address: "{value}"')
    return value.lower()


class BadValue(CellError):
    """A CellError about the value as read (`value`), not as written in the cell."""

    def __init__(self, message: str, value: str):
        super().__init__(message)
        self.value = value


def read_registration(value: str) -> str:
    """A registration in upper case without spaces, at most 10 characters."""
    tail = value.upper().replace(" ", "")
    if len(tail) > 10:
        raise BadValue("a registration has at most 10 characters", tail)
    return tail


def read_callsign(value: str) -> str:
    """A callsign or flight number in upper case without spaces, at most 12 characters."""
    callsign = value.upper().replace(" ", "")
    if len(callsign) > 12:
        raise BadValue("a callsign has at most 12 characters", callsign)
    return callsign


def read_url(value: str) -> str:
    """An http(s) address of at most 500 characters."""
    if len(value) > 500 or not value.lower().startswith(("http://", "https://")):
        raise CellError("not an http(s) address of ≤ 500 characters")
    return value
