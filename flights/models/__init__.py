"""The tracker's records. Split by area; import from `flights.models`."""

from .alerts import (
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Frequency,
    Subscription,
)
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
    "Channel",
    "CitizenshipCount",
    "Country",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Flight",
    "FlightChange",
    "FlightSource",
    "Frequency",
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
    "RejectedRow",
    "Sighting",
    "SightingDecision",
    "SightingEvent",
    "SightingPhoto",
    "SightingStatus",
    "Source",
    "Subscription",
    "TimelineEvent",
]
