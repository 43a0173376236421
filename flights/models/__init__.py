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
from .published import PublishedFigure, PublishedMetric
from .reference import Aircraft, AircraftType, Airport, Country, Operator
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
    "FlightSource",
    "ImportFeed",
    "ImportFormat",
    "ImportRun",
    "ImportStatus",
    "Invitation",
    "Leg",
    "Operator",
    "PassengerSegment",
    "PeopleDirection",
    "PeopleMethod",
    "PublishedFigure",
    "PublishedMetric",
    "RejectedRow",
    "Sighting",
    "SightingDecision",
    "SightingEvent",
    "SightingPhoto",
    "SightingStatus",
    "Source",
    "TimelineEvent",
]
