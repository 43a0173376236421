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
