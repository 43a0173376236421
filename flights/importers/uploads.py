"""Starting an import from an uploaded file (the staff page and the admin share this)."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from flights.choices import SourceKind
from flights.models import ImportFormat, ImportProfile, ImportRun, ImportStatus


class ImportUploadForm(forms.Form):
    format = forms.ChoiceField(choices=ImportFormat.choices)
    file = forms.FileField(
        help_text=_(
            "CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon, tab or pipe separated), "
            ".gz, .zip or .xlsx."
        ),
    )
    source_kind = forms.ChoiceField(
        label="Source kind",
        choices=[
            ("", "Default (FOIA for ARTS, advocacy group for flight logs)"),
            *SourceKind.choices,
        ],  # fmt: skip
        required=False,
    )

    station = forms.CharField(
        label=_("Station"),
        max_length=8,
        required=False,
        help_text=_("Station logs: the code of the airport the log was kept at."),
    )
    profile = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=ImportProfile.objects.all(),
        required=False,
        help_text=_("A saved mapping for files of another shape (made on the mapping page)."),
    )

    def clean(self):
        data = super().clean()
        if data.get("format") == ImportFormat.STATIONLOG and not data.get("station"):
            self.add_error("station", _("A station log needs the code of its airport."))
        return data

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


def hold_upload(form: ImportUploadForm, user) -> ImportRun:
    """Store the uploaded file with a queued run that nobody runs yet (column mapping)."""
    upload = form.cleaned_data["file"]
    run = ImportRun(
        format=form.cleaned_data["format"],
        file_name=upload.name[:300],
        source_kind=form.cleaned_data.get("source_kind") or "",
        started_by=user if user and user.is_authenticated else None,
        status=ImportStatus.QUEUED,
        station=(form.cleaned_data.get("station") or "").strip().upper()[:8],
        profile=form.cleaned_data.get("profile"),
    )
    run.file.save(upload.name, upload, save=False)
    run.save()
    return run


def start_upload(form: ImportUploadForm, user) -> ImportRun:
    """Store the uploaded file with a queued run; a worker picks it up after the commit."""
    from flights.tasks import enqueue_import

    run = hold_upload(form, user)
    enqueue_import(run.pk)
    return run
