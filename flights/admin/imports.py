"""Import runs and scheduled feeds in the admin: upload, watch progress, read the report."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from flights.importers.uploads import ImportUploadForm
from flights.models import ImportFeed, ImportProfile, ImportRun, ImportStatus
from flights.permissions import can_start_imports

REJECTS_SHOWN = 50


class ImportRunUploadForm(forms.ModelForm):
    """The admin's add form: the same checks as the staff page's upload."""

    class Meta:
        model = ImportRun
        fields = ["format", "file", "source_kind", "station", "profile"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            raise forms.ValidationError("Choose a file to import.")
        form = ImportUploadForm()
        form.cleaned_data = {"file": upload}
        return form.clean_file()


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "id", "format", "file_name", "status", "progress", "rows", "accepted", "duplicates",
        "rejected", "started_by", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "format"]
    search_fields = ["file_name", "url"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "progress", "format", "status", "phase", "file_name", "url", "feed", "started_by",
        "source_kind", "created_at", "started_at", "finished_at", "heartbeat_at", "duration",
        "attempts", "rows_total", "rows_done", "rows", "accepted", "duplicates", "rejected",
        "objects_table", "warnings_list", "error", "rejected_table", "content_sha256",
    ]  # fmt: skip

    class Media:
        js = ["js/import_progress.js"]

    def has_add_permission(self, request):
        return can_start_imports(request.user)  # the same check as /imports/

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ImportRunUploadForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["format", "file", "source_kind", "station", "profile"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        from flights.tasks import QUEUE_DOWN, enqueue_import, queue_available

        if change:
            return
        upload = form.cleaned_data["file"]
        obj.file_name = upload.name[:300]
        obj.started_by = request.user
        obj.status = ImportStatus.QUEUED
        super().save_model(request, obj, form, change)
        enqueue_import(obj.pk)
        if queue_available():
            messages.info(request, "The import is queued; this page shows its progress.")
        else:
            messages.error(request, QUEUE_DOWN.format(pk=obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(reverse("admin:flights_importrun_change", args=[obj.pk]))

    @admin.display(description="progress")
    def progress(self, obj):
        return format_html(
            '<div id="import-progress" data-status-url="{}" data-finished="{}">'
            '<progress max="100" value="{}">{}%</progress> '
            '<span data-field="status_display">{}</span> '
            '<span data-field="rows_done">{}</span>/<span data-field="rows_total">{}</span></div>',
            reverse("flights:import_status", args=[obj.pk]),
            "1" if obj.is_finished else "0",
            obj.percent,
            obj.percent,
            obj.get_status_display(),
            obj.rows_done,
            obj.rows_total if obj.rows_total is not None else "?",
        )

    @admin.display(description="written")
    def objects_table(self, obj):
        return (
            format_html_join(
                "",
                "<div><strong>{}</strong>: {}</div>",
                (
                    (kind, ", ".join(f"{n} {what}" for what, n in counts.items()))
                    for kind, counts in (obj.objects_written or {}).items()
                ),
            )
            or "—"
        )

    @admin.display(description="warnings")
    def warnings_list(self, obj):
        if not obj.warnings:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w,) for w in obj.warnings))
        )

    @admin.display(description="rejected rows")
    def rejected_table(self, obj):
        if not obj.rejected:
            return "—"
        rows = obj.rejected_rows.all()[:REJECTS_SHOWN]
        return format_html(
            '<p><a href="{}">Download all {} as CSV</a> (first {} shown)</p>'
            "<table><tr><th>line</th><th>column</th><th>value</th><th>reason</th></tr>{}</table>",
            reverse("flights:import_rejected_csv", args=[obj.pk]),
            obj.rejected,
            min(REJECTS_SHOWN, obj.rejected),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((r.line, r.column, r.value, r.message) for r in rows),
            ),
        )


@admin.register(ImportFeed)
class ImportFeedAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "format",
        "profile",
        "url",
        "enabled",
        "schedule",
        "last_checked_at",
        "last_result",
    ]
    list_filter = ["enabled", "format"]
    readonly_fields = [
        "schedule",
        "etag",
        "last_modified",
        "content_sha256",
        "last_checked_at",
        "last_result",
    ]
    fields = ["name", "url", "format", "profile", "source_kind", "enabled", *readonly_fields]
    actions = ["fetch_now"]

    @admin.display(description="schedule")
    def schedule(self, obj):
        task = obj.periodic_task
        if task is None:
            return "— (created on save)"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]),
            task.interval or task.crontab or "edit",
        )

    def has_start_imports_permission(self, request):
        return can_start_imports(request.user)

    @admin.action(description="Fetch the selected feeds now", permissions=["start_imports"])
    def fetch_now(self, request, queryset):
        from flights.tasks import fetch_feed

        for feed in queryset:
            fetch_feed.delay(feed.pk)
        self.message_user(request, f"{queryset.count()} feed(s) queued for fetching.")


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    """Saved column mappings (made on the mapping page; editable here)."""

    list_display = ("name", "format", "created_by", "created_at")
    list_filter = ("format",)
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at")
