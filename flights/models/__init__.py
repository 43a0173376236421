"""The tracker's records. Split by area; import from `flights.models`."""

from .imports import ImportFeed, ImportFormat, ImportRun, ImportStatus, RejectedRow
from .missions import (
    CitizenshipCount,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    PassengerSegment,
    Source,
    TimelineEvent,
)
from .reference import Aircraft, AircraftType, Airport, Country, Operator
from .rollups import FlightDayRollup, FlightMonthRollup, LegRollup
from .sightings import (
    Invitation,
    PeopleDirection,
    PeopleMethod,
    Sighting,
    SightingDecision,
    SightingEvent,
    SightingPhoto,
    SightingStatus,
)

__all__ = [
    "Aircraft",
    "AircraftType",
    "Airport",
    "CitizenshipCount",
    "Country",
    "Flight",
    "FlightChange",
    "FlightDayRollup",
    "FlightMonthRollup",
    "FlightSource",
    "ImportFeed",
    "ImportFormat",
    "ImportRun",
    "ImportStatus",
    "Invitation",
    "Leg",
    "LegRollup",
    "Operator",
    "PassengerSegment",
    "PeopleDirection",
    "PeopleMethod",
    "RejectedRow",
    "Sighting",
    "SightingDecision",
    "SightingEvent",
    "SightingPhoto",
    "SightingStatus",
    "Source",
    "TimelineEvent",
]
