"""The data version, kept where every web process can read it (see flights/cache.py)."""

from django.db import models


class DataVersion(models.Model):
    """One row: when flight data last changed, as nanoseconds since the epoch.

    Used when the cache is process-local memory, which one web process cannot see another
    change; with Redis the version lives in Redis next to the values it keys.
    """

    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="data_version_single_row",
                violation_error_message="There is only one data version.",
            )
        ]

    def __str__(self) -> str:
        return f"data version {self.value}"
