"""Alerts: who is told about which flight, when, and how (rules in docs/alerts.md).

- `confidence` decides whether a flight may be sent at all;
- `firsts` finds what a flight is the first of (a country in 12 months, an aircraft, an airport);
- `dispatch` matches a flight to subscriptions and records the deliveries;
- `sending` writes e-mails and signed webhooks; `tasks` runs both on Celery.

The hooks other areas call: `flight_changed(flight_id)` (signals call it when a flight's status
changes or it gains a source) and `flight_detected(flight_id, confidence)` (ADS-B detections).
"""

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def flight_changed(flight_id: int, detection_confidence: float | None = None) -> None:
    """Look at this flight again once the transaction commits: alert, correct, or do nothing."""

    def send() -> None:
        from flights.alerts.tasks import evaluate_flight

        evaluate_flight.delay(flight_id, detection_confidence)

    # robust: a broker outage must not fail the moderator's decision; the next change retries.
    transaction.on_commit(send, robust=True)


def flight_detected(flight_id: int, confidence: float) -> None:
    """An automatic detection of this flight, with confidence in 0..1 (ADS-B leg detection)."""
    flight_changed(flight_id, detection_confidence=confidence)
