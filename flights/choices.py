"""Enumerations shared by models, importers, forms and charts."""

from django.db import models


class OperatorKind(models.TextChoices):
    CHARTER = "charter", "Charter airline"
    BROKER = "broker", "Broker"
    COMMERCIAL = "commercial", "Commercial airline"
    MILITARY = "military", "Military"
    GOVERNMENT = "government", "Government"
    UNKNOWN = "unknown", "Unknown"


class FlightKind(models.TextChoices):
    REMOVAL = "removal", "Removal"
    DOMESTIC = "domestic", "Domestic transfer"
    LATERAL = "lateral", "Lateral / third-country removal"
    RETURN = "return", "Return / positioning"
    COMMERCIAL = "commercial", "Commercial"
    UNKNOWN = "unknown", "Unknown"


class ReviewStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"
    RETRACTED = "retracted", "Retracted"


class Basis(models.TextChoices):
    """How a value is known: the provenance of one number or one airport."""

    REPORTED = "reported", "Reported by the source"
    OBSERVED = "observed", "Observed"
    ESTIMATED = "estimated", "Estimated"
    INFERRED = "inferred", "Inferred"


class SourceKind(models.TextChoices):
    ADVOCACY = "advocacy", "Advocacy group"
    NEWS = "news", "News report"
    FOIA = "foia", "FOIA release"
    ADSB = "adsb", "ADS-B / flight tracking"
    VOLUNTEER = "volunteer", "Volunteer sighting"
    OTHER = "other", "Other"


class ImportFormat(models.TextChoices):
    FLIGHTLOG = "flightlog", "Flight log CSV"
    ARTS = "arts", "ICE ARTS passenger records"
    ARTS_MISSIONS = "arts_missions", "ICE ARTS missions table"
    STATIONLOG = "stationlog", "Station log (one airport)"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    SUCCEEDED_WITH_REJECTS = "rejects", "Succeeded with rejected rows"
    FAILED = "failed", "Failed"


class SightingEvent(models.TextChoices):
    DEPARTURE = "departure", "Departure"
    ARRIVAL = "arrival", "Arrival"
    GROUND = "ground", "On the ground"


class PeopleDirection(models.TextChoices):
    BOARDING = "boarding", "Boarding"
    LEAVING = "leaving", "Leaving the aircraft"


class PeopleMethod(models.TextChoices):
    COUNTED = "counted", "Counted"
    VEHICLES = "vehicles", "Estimated from vehicles"
    OTHER = "other", "Other"


class SightingStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    DUPLICATE = "duplicate", "Duplicate"
    REJECTED = "rejected", "Rejected"
