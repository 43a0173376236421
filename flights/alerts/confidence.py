"""The confidence rule: what a flight needs before anyone is told about it.

Configured by ALERT_CONFIDENCE_RULE, any of "confirmed" (a moderator or two sources confirmed
it), "two_sources" (two independent sources, counted as `services.independent_support` counts
them) and "detection" (an automatic detection at or above ALERT_DETECTION_MIN_CONFIDENCE_PCT).
A single unconfirmed sighting meets none of them, so a false positive never goes out.
"""

from django.conf import settings

from flights.choices import ReviewStatus
from flights.models import Flight

RULES = ("confirmed", "two_sources", "detection")


def meets_rule(flight: Flight, detection_confidence: float | None = None) -> bool:
    if flight.is_synthetic or flight.status in (ReviewStatus.RETRACTED, ReviewStatus.DISPUTED):
        return False
    rule = set(settings.ALERT_CONFIDENCE_RULE)
    if "confirmed" in rule and flight.status == ReviewStatus.CONFIRMED:
        return True
    if (
        "detection" in rule
        and detection_confidence is not None
        and detection_confidence * 100 >= settings.ALERT_DETECTION_MIN_CONFIDENCE
    ):
        return True
    if "two_sources" in rule:
        from flights.services import INDEPENDENT_SOURCES_TO_CONFIRM, independent_support

        return independent_support(flight) >= INDEPENDENT_SOURCES_TO_CONFIRM
    return False
