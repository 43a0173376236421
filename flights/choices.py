"""Enumerations shared by models, importers, forms and charts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OperatorKind(models.TextChoices):
    CHARTER = "charter", _("Charter airline")
    BROKER = "broker", _("Broker")
    COMMERCIAL = "commercial", _("Commercial airline")
    MILITARY = "military", _("Military")
    GOVERNMENT = "government", _("Government")
    UNKNOWN = "unknown", _("Unknown")


class FlightKind(models.TextChoices):
    REMOVAL = "removal", _("Removal")
    DOMESTIC = "domestic", _("Domestic transfer")
    LATERAL = "lateral", _("Lateral / third-country removal")
    RETURN = "return", _("Return / positioning")
    COMMERCIAL = "commercial", _("Commercial")
    UNKNOWN = "unknown", _("Unknown")


class ReviewStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    RETRACTED = "retracted", _("Retracted")


class Basis(models.TextChoices):
    """How a value is known: the provenance of one number or one airport."""

    REPORTED = "reported", _("Reported by the source")
    OBSERVED = "observed", _("Observed")
    ESTIMATED = "estimated", _("Estimated")
    INFERRED = "inferred", _("Inferred")


class SourceKind(models.TextChoices):
    ADVOCACY = "advocacy", _("Advocacy group")
    NEWS = "news", _("News report")
    FOIA = "foia", _("FOIA release")
    ADSB = "adsb", _("ADS-B / flight tracking")
    VOLUNTEER = "volunteer", _("Volunteer sighting")
    OTHER = "other", _("Other")


class ImportFormat(models.TextChoices):
    FLIGHTLOG = "flightlog", _("Flight log CSV")
    ARTS = "arts", _("ICE ARTS passenger records")
    ARTS_MISSIONS = "arts_missions", _("ICE ARTS missions table")
    STATIONLOG = "stationlog", _("Station log (one airport)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    SUCCEEDED_WITH_REJECTS = "rejects", _("Succeeded with rejected rows")
    FAILED = "failed", _("Failed")


class SightingEvent(models.TextChoices):
    DEPARTURE = "departure", _("Departure")
    ARRIVAL = "arrival", _("Arrival")
    GROUND = "ground", _("On the ground")


class PeopleDirection(models.TextChoices):
    BOARDING = "boarding", _("Boarding")
    LEAVING = "leaving", _("Leaving the aircraft")


class PeopleMethod(models.TextChoices):
    COUNTED = "counted", _("Counted")
    VEHICLES = "vehicles", _("Estimated from vehicles")
    OTHER = "other", _("Other")


class SightingStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")
