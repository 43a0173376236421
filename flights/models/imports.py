"""Import runs: what was imported, by whom, how far it got, and every row it refused."""

import json

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from flights.choices import ImportFormat, ImportStatus, SourceKind

FINISHED_STATUSES = (
    ImportStatus.SUCCEEDED,
    ImportStatus.SUCCEEDED_WITH_REJECTS,
    ImportStatus.FAILED,
)


class ImportFeed(models.Model):
    """A URL fetched on a schedule (django-celery-beat) and imported when its content changed."""

    name = models.CharField(max_length=120, unique=True)
    url = models.URLField(max_length=500)
    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    source_kind = models.CharField(
        max_length=20, choices=SourceKind.choices, default=SourceKind.ADVOCACY
    )
    enabled = models.BooleanField(default=True)
    # A feed of some other shape is read through a saved column mapping, as the upload page and
    # `import_flights --profile` read one (docs/imports.md, "Column mapping").
    profile = models.ForeignKey(
        "ImportProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feeds",
        help_text="A saved column mapping to read the feed through; its format must be the feed's.",
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Its schedule; edit it under Periodic tasks.",
    )
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_result = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.sync_schedule()

    def delete(self, *args, **kwargs):
        task = self.periodic_task
        result = super().delete(*args, **kwargs)
        if task is not None:
            task.delete()
        return result

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.profile_id and self.format and self.profile.format != self.format:
            raise ValidationError(
                {
                    "profile": f"the profile maps columns of {self.profile.get_format_display()} "
                    f"files, not of {self.get_format_display()}"
                }
            )

    def sync_schedule(self) -> None:
        """Give the feed a beat schedule (every 6 hours until an admin edits it), on or off
        with the feed."""
        from django_celery_beat.models import IntervalSchedule, PeriodicTask

        task = self.periodic_task
        if task is None:
            every, _ = IntervalSchedule.objects.get_or_create(
                every=6, period=IntervalSchedule.HOURS
            )
            task = PeriodicTask.objects.create(
                name=f"Import feed #{self.pk}: {self.name}"[:200],
                task="flights.tasks.fetch_feed",
                args=json.dumps([self.pk]),
                interval=every,
                enabled=self.enabled,
            )
            ImportFeed.objects.filter(pk=self.pk).update(periodic_task=task)
            self.periodic_task = task
        elif task.enabled != self.enabled:
            task.enabled = self.enabled
            task.save(update_fields=["enabled"])


class ImportProfile(models.Model):
    """A saved column mapping: which column of a file of some other shape is which field of a
    format (docs/imports.md, "Column mapping"). `mapping` maps a header name, normalised as the
    importers compare names, to a canonical column of `format`, or to "" to ignore it."""

    name = models.CharField(max_length=80, unique=True)
    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_format_display()})"


class ImportRun(models.Model):
    """One import of one file: its status, progress, counts and report."""

    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=500, blank=True)
    feed = models.ForeignKey(
        ImportFeed, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    source_kind = models.CharField(
        max_length=20,
        choices=SourceKind.choices,
        blank=True,
        help_text="Blank: FOIA for ARTS, advocacy group for flight logs.",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_sha256 = models.CharField(max_length=64, blank=True)
    station = models.CharField(
        max_length=8, blank=True, help_text="Station logs: the airport code the log was kept at."
    )
    profile = models.ForeignKey(
        ImportProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=40, blank=True)

    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Estimated.")
    rows_done = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    objects_written = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(format__in=ImportFormat.values),
                name="importrun_format_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values),
                name="importrun_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_format_display()} {self.file_name or self.url}".strip()

    def get_absolute_url(self) -> str:
        return reverse("flights:import_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    @property
    def duration(self):
        if not self.started_at:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    def status_payload(self) -> dict:
        """What the progress endpoint and the command report."""
        return {
            "id": self.pk,
            "status": self.status,
            "status_display": self.get_status_display(),
            "phase": self.phase,
            "finished": self.is_finished,
            "percent": self.percent,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "objects": self.objects_written,
            "error": self.error,
            "duration_seconds": round(self.duration.total_seconds(), 1) if self.duration else None,
        }


class RejectedRow(models.Model):
    """A row an import refused, with where and why. Values are cut to 200 characters."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["run", "line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"
