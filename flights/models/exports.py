"""Exports too large to stream within one request: written to a file by a task, fetched later."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ExportJob(models.Model):
    """One requested export: its filters, the data version it was asked for, and its file.

    The token in its URL is the only way to it (anonymous visitors export too). The file is
    saved whole before the status says "done", so a download can never be a truncated file.
    """

    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    kind = models.CharField(max_length=20)
    query = models.CharField(max_length=2000, blank=True)
    # The site's address as the request saw it: the flights CSV links every flight's page.
    site = models.CharField(max_length=200, blank=True)
    data_version = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "data_version"], name="exportjob_reuse")]

    def __str__(self) -> str:
        return f"{self.kind} export {self.token[:8]} ({self.status})"
