"""Starting an import from an uploaded file (the staff page and the admin share this)."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from flights.choices import SourceKind
from flights.models import ImportFormat, ImportRun, ImportStatus


class ImportUploadForm(forms.Form):
    format = forms.ChoiceField(choices=ImportFormat.choices)
    file = forms.FileField(
        help_text="CSV (UTF-8 or Windows-1252; comma, semicolon or tab separated).",
    )
    source_kind = forms.ChoiceField(
        label="Source kind",
        choices=[
            ("", "Default (FOIA for ARTS, advocacy group for flight logs)"),
            *SourceKind.choices,
        ],  # fmt: skip
        required=False,
    )

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


def start_upload(form: ImportUploadForm, user) -> ImportRun:
    """Store the uploaded file with a queued run; a worker picks it up after the commit."""
    from flights.tasks import enqueue_import

    upload = form.cleaned_data["file"]
    run = ImportRun(
        format=form.cleaned_data["format"],
        file_name=upload.name[:300],
        source_kind=form.cleaned_data.get("source_kind") or "",
        started_by=user if user and user.is_authenticated else None,
        status=ImportStatus.QUEUED,
    )
    run.file.save(upload.name, upload, save=False)
    run.save()
    enqueue_import(run.pk)
    return run
