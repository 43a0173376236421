"""Admin for the ADS-B watch list, trace files and candidates (docs/adsb.md)."""

from django.contrib import admin

from flights.models import (
    CallsignPattern,
    DetectedLeg,
    LegCandidate,
    TraceFile,
    WatchedAddress,
    WatchedAircraft,
)


class WatchedAddressInline(admin.TabularInline):
    model = WatchedAddress
    extra = 1


@admin.register(WatchedAircraft)
class WatchedAircraftAdmin(admin.ModelAdmin):
    list_display = ["registration", "reason", "source", "active"]
    list_filter = ["active"]
    search_fields = ["registration", "addresses__icao24"]
    raw_id_fields = ["aircraft"]
    inlines = [WatchedAddressInline]


@admin.register(CallsignPattern)
class CallsignPatternAdmin(admin.ModelAdmin):
    list_display = ["pattern", "reason", "source", "active"]


@admin.register(TraceFile)
class TraceFileAdmin(admin.ModelAdmin):
    list_display = ["name", "licence", "points", "read_at"]
    readonly_fields = ["sha256", "points", "read_at"]


@admin.register(DetectedLeg)
class DetectedLegAdmin(admin.ModelAdmin):
    list_display = ["__str__", "confidence", "candidate", "leg"]
    list_filter = ["confidence"]
    search_fields = ["icao24", "registration", "callsign"]
    raw_id_fields = ["leg", "candidate", "trace_file", "watched", "source"]
    exclude = ["track"]


@admin.register(LegCandidate)
class LegCandidateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "kind", "kind_inferred", "flight", "created_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["flight"]
