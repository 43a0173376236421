"""Sightings in the admin. Bulk approve and reject go through flights.services, like the queue."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from flights import services
from flights.models import Invitation, Sighting, SightingDecision
from flights.permissions import is_moderator


class RejectReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to each volunteer)", max_length=1000, widget=forms.Textarea
    )


class SightingDecisionInline(admin.TabularInline):
    model = SightingDecision
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "flight", "reason", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sighting)
class SightingAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "seen_at", "airport_code", "registration", "callsign", "flight"]
    list_filter = ["status", "event"]
    search_fields = ["registration", "callsign", "airport__icao", "airport__iata", "airport__lid"]
    list_select_related = ["airport", "flight"]
    ordering = ["status", "created_at"]
    raw_id_fields = ["airport", "aircraft"]
    # Decisions go through the queue's services (and the actions below), never a form field.
    readonly_fields = [
        "reporter",
        "status",
        "flight",
        "leg",
        "duplicate_of",
        "source",
        "reason",
        "moderated_by",
        "moderated_at",
        "created_at",
        "photo_links",
    ]
    inlines = [SightingDecisionInline]
    actions = ["approve_selected", "reject_selected"]

    @admin.display(description="airport", ordering="airport__icao")
    def airport_code(self, obj: Sighting) -> str:
        return obj.airport.code

    @admin.display(description="photos")
    def photo_links(self, obj: Sighting) -> str:
        return (
            format_html_join(
                " ",
                '<a href="{}">photo {}</a>',
                (
                    (reverse("flights:sighting_photo", args=[photo.pk]), n)
                    for n, photo in enumerate(obj.photos.all(), start=1)
                ),
            )
            or "—"
        )

    def _moderator_or_refuse(self, request) -> bool:
        if not is_moderator(request.user):
            self.message_user(request, "Only moderators decide on sightings.", messages.ERROR)
            return False
        return True

    @admin.action(
        description="Approve: attach to the one likely flight, or create a flight",
        permissions=["change"],
    )
    def approve_selected(self, request, queryset):
        if not self._moderator_or_refuse(request):
            return None
        done, refused = 0, []
        for sighting in queryset.select_related("airport", "aircraft").order_by("created_at"):
            try:
                services.approve_best_match(sighting, request.user)
                done += 1
            except services.ModerationError as error:
                refused.append(str(error))
        if done:
            self.message_user(request, f"{done} sighting(s) approved.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
        return None

    @admin.action(description="Reject with a reason", permissions=["change"])
    def reject_selected(self, request, queryset):
        if not self._moderator_or_refuse(request):
            return None
        form = RejectReasonForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return render(
                request,
                "flights/sightings/admin_reject.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Reject sightings",
                    "form": form,
                    "sightings": queryset,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        done, refused = 0, []
        for sighting in queryset:
            try:
                services.reject_sighting(sighting, request.user, form.cleaned_data["reason"])
                done += 1
            except services.ModerationError as error:
                refused.append(str(error))
        if done:
            self.message_user(request, f"{done} sighting(s) rejected.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
        return None


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "note", "created_by", "created_at", "expires_at", "used_by"]
    readonly_fields = ["token_hash", "created_by", "created_at", "used_at", "used_by"]

    def has_add_permission(self, request):
        # Tokens are shown once, on the invitations page; the admin would swallow them.
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": format_html(
                'Create invitations on <a href="{}">the invitations page</a>.',
                reverse("flights:invitation_list"),
            ),
        }
        return super().changelist_view(request, extra_context)
