"""Admin for published figures (reconciliation), with a CSV upload (docs/reconciliation.md)."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from flights import published_csv
from flights.models import PublishedFigure


class UploadForm(forms.Form):
    file = forms.FileField(help_text=_("CSV, UTF-8, header row; see docs/reconciliation.md."))


@admin.register(PublishedFigure)
class PublishedFigureAdmin(admin.ModelAdmin):
    list_display = ("source", "metric", "country", "period_start", "period_end", "value")
    list_filter = ("metric", "source")
    search_fields = ("source", "notes")
    date_hierarchy = "period_start"
    autocomplete_fields = ("country",)
    change_list_template = "admin/flights/publishedfigure/change_list.html"

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="flights_publishedfigure_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:flights_publishedfigure_changelist")
        form = UploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                rows, errors = published_csv.read(form.cleaned_data["file"].read())
            except published_csv.RowError as error:
                errors = [str(error)]
            if not errors:
                result = published_csv.write(rows)
                messages.success(
                    request,
                    _("%(created)s figures added, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect(reverse("admin:flights_publishedfigure_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "title": _("Upload published figures"),
        }
        return render(request, "admin/flights/publishedfigure/upload.html", context)
