"""The tracker's records. Split by area; import from `flights.models`."""

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

__all__ = [
    "Aircraft",
    "AircraftType",
    "Airport",
    "CitizenshipCount",
    "Country",
    "Flight",
    "FlightChange",
    "FlightSource",
    "Leg",
    "Operator",
    "PassengerSegment",
    "Source",
    "TimelineEvent",
]
