"""The tracker's records. Split by area; import from `flights.models`."""

from .adsb import (
    CallsignPattern,
    CandidateStatus,
    Confidence,
    DetectedLeg,
    LegCandidate,
    TraceFile,
    WatchedAddress,
    WatchedAircraft,
)
from .alerts import (
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Frequency,
    Subscription,
)
from .exports import ExportJob, ExportStatus
from .imports import ImportFeed, ImportFormat, ImportProfile, ImportRun, ImportStatus, RejectedRow
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
from .versions import DataVersion

__all__ = [
    "ExportJob",
    "ExportStatus",
    "CallsignPattern",
    "CandidateStatus",
    "Confidence",
    "DetectedLeg",
    "LegCandidate",
    "TraceFile",
    "WatchedAddress",
    "WatchedAircraft",
    "Aircraft",
    "AircraftType",
    "Airport",
    "Channel",
    "CitizenshipCount",
    "Country",
    "DataVersion",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Flight",
    "FlightChange",
    "FlightDayRollup",
    "FlightMonthRollup",
    "FlightSource",
    "Frequency",
    "ImportFeed",
    "ImportFormat",
    "ImportProfile",
    "ImportRun",
    "ImportStatus",
    "Invitation",
    "Leg",
    "LegRollup",
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
    "Subscription",
    "TimelineEvent",
]
