"""Figures published by others (advocacy monitors, ICE statistics), to reconcile ours against."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .reference import Country


class PublishedMetric(models.TextChoices):
    TOTAL_FLIGHTS = "total_flights", _("All flights")
    REMOVAL_FLIGHTS = "removal_flights", _("Removal flights (removal + lateral)")
    LATERAL_FLIGHTS = "lateral_flights", _("Lateral / third-country removal flights")
    DOMESTIC_FLIGHTS = "domestic_flights", _("Domestic transfer flights")


class PublishedFigure(models.Model):
    """One number someone else published for a period (docs/reconciliation.md), optionally
    broken down by destination country; set beside our count for the same period."""

    source = models.CharField(max_length=200, help_text=_("Who published it."))
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    metric = models.CharField(max_length=20, choices=PublishedMetric.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Breakdown: the destination country the figure counts, if any."),
    )
    value = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "source", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="published_figure_period_ordered",
                violation_error_message=_("The period ends before it starts."),
            ),
            models.UniqueConstraint(
                fields=["source", "metric", "period_start", "period_end", "country"],
                name="published_figure_unique",
                nulls_distinct=False,
                violation_error_message=_("This source already has this figure for the period."),
            ),
        ]

    def __str__(self) -> str:
        where = f" {self.country_id}" if self.country_id else ""
        period = f"{self.period_start}–{self.period_end}"
        return f"{self.source}: {self.metric}{where} {period} = {self.value}"
