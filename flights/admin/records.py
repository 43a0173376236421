"""Admin for the record itself: flights with their legs, sources and history; reference data."""

from django.contrib import admin
from django.db.models import Case, Q, Value, When

from flights.models import (
    Aircraft,
    AircraftType,
    Airport,
    CitizenshipCount,
    Country,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    Operator,
    PassengerSegment,
    Source,
    TimelineEvent,
)

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "alpha3")
    search_fields = ("code", "name", "alpha3")


@admin.register(Airport)
class AirportAdmin(admin.ModelAdmin):
    list_display = ("icao", "iata", "lid", "name", "city", "region", "country")
    list_filter = (("country", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("icao", "iata", "lid", "name", "city")
    list_select_related = ("country",)
    autocomplete_fields = ("country",)

    def get_search_results(self, request, queryset, search_term):
        # "SHE" should offer Shenyang first, not every airport with "she" in its name.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        code = search_term.strip().upper()
        if code:
            exact = Q(icao=code) | Q(iata=code) | Q(lid=code)
            queryset = queryset.annotate(
                code_rank=Case(When(exact, then=Value(0)), default=Value(1))
            ).order_by("code_rank", "icao")
        return queryset, may_have_duplicates


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "icao_code")
    list_filter = ("kind",)
    search_fields = ("name", "icao_code")


@admin.register(AircraftType)
class AircraftTypeAdmin(admin.ModelAdmin):
    list_display = ("designator", "name", "typical_seats")
    search_fields = ("designator", "name")


@admin.register(Aircraft)
class AircraftAdmin(admin.ModelAdmin):
    list_display = (
        "registration",
        "icao24",
        "aircraft_type",
        "operator",
        "seats",
        "hidden_from_tracking",
    )
    list_filter = ("hidden_from_tracking", "aircraft_type", "operator")
    search_fields = ("registration", "icao24", "operator__name")
    list_select_related = ("aircraft_type", "operator")
    autocomplete_fields = ("aircraft_type", "operator")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "publisher", "retrieved_on", "url")
    list_filter = ("kind",)
    search_fields = ("title", "publisher", "url")


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ("date", "title", "country_list")
    search_fields = ("title", "description")
    autocomplete_fields = ("countries",)
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description="Countries")
    def country_list(self, obj):
        return ", ".join(c.code for c in obj.countries.all())


class LegInline(admin.TabularInline):
    model = Leg
    extra = 0
    ordering = ("sequence",)
    autocomplete_fields = ("departure_airport", "arrival_airport")
    fields = (
        "sequence",
        "date",
        "departure_airport",
        "departure_basis",
        "arrival_airport",
        "arrival_basis",
        "departure_time",
        "arrival_time",
        "kind",
        "callsign",
        "passengers",
        "passengers_basis",
        "distance_km",
    )
    readonly_fields = ("distance_km",)


class FlightSourceInline(admin.TabularInline):
    model = FlightSource
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "note", "added_at")
    readonly_fields = ("added_at",)


class PassengerSegmentInline(admin.TabularInline):
    """ARTS counts, shown read-only: they change only by re-importing the release."""

    model = PassengerSegment
    extra = 0
    can_delete = False
    fields = ("pickup", "dropoff", "people", "removals", "transfers", "juveniles", "struck")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class FlightChangeInline(admin.TabularInline):
    model = FlightChange
    extra = 0
    can_delete = False
    fields = ("at", "actor", "action", "summary")
    readonly_fields = fields
    ordering = ("-at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Flight)
class FlightAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "route_column",
        "kind",
        "status",
        "aircraft",
        "operator",
        "callsign",
        "people_on_board",
        "destination_country",
        "is_synthetic",
    )
    list_filter = (
        "date",
        "kind",
        "status",
        ("destination_country", admin.RelatedOnlyFieldListFilter),
        ("operator", admin.RelatedOnlyFieldListFilter),
        "is_synthetic",
    )
    search_fields = (
        "aircraft__registration",
        "callsign",
        "route",
        "external_ref",
        "origin__icao",
        "origin__name",
        "destination__icao",
        "destination__name",
        "legs__departure_airport__icao",
        "legs__departure_airport__name",
        "legs__arrival_airport__icao",
        "legs__arrival_airport__name",
    )
    search_help_text = "Registration, callsign, airport code (ICAO, IATA, FAA) or airport name."
    date_hierarchy = "date"
    list_select_related = ("aircraft", "operator", "destination_country")
    autocomplete_fields = ("aircraft", "aircraft_type", "operator")
    readonly_fields = (
        "route",
        "origin",
        "destination",
        "destination_country",
        "leg_count",
        "distance_km",
        "seat_ceiling",
        "external_ref",
        *AUDIT_FIELDS,
    )
    fieldsets = (
        (None, {"fields": ("date", "kind", "status", "callsign", "notes", "is_synthetic")}),
        (
            "Aircraft",
            {"fields": ("aircraft", "aircraft_type", "aircraft_basis", "operator", "seat_ceiling")},
        ),
        (
            "People on board",
            {
                "fields": ("pax_count", "pax_min", "pax_max", "pax_basis", "pax_method"),
                "description": "A count (reported or observed) or an estimated range, with how it "
                "is known. An estimate never exceeds the aircraft's seats.",
            },
        ),
        (
            "Route (from the legs)",
            {
                "fields": (
                    "route",
                    "origin",
                    "destination",
                    "destination_country",
                    "leg_count",
                    "distance_km",
                )
            },
        ),
        ("Record", {"fields": ("external_ref", *AUDIT_FIELDS)}),
    )
    inlines = (LegInline, FlightSourceInline, PassengerSegmentInline, FlightChangeInline)

    @admin.display(description="Route", ordering="route")
    def route_column(self, obj):
        return obj.route or "—"

    @admin.display(description="People on board")
    def people_on_board(self, obj):
        return obj.people_on_board()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            changes = {
                name: {
                    "from": _plain(form.initial.get(name)),
                    "to": _plain(form.cleaned_data.get(name)),
                }
                for name in form.changed_data
            }
            summary = "Changed " + ", ".join(form.changed_data) + " in the admin"
        else:
            changes, summary = {}, "Created in the admin"
        FlightChange.objects.create(
            flight=obj,
            actor=request.user,
            action="updated" if change else "created",
            summary=summary[:500],
            changes=changes,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        flight = form.instance
        leg_changes = [f for f in formsets if f.model is Leg and f.has_changed()]
        flight.refresh_route()
        if leg_changes and change:
            FlightChange.objects.create(
                flight=flight, actor=request.user, action="legs", summary="Legs edited in the admin"
            )


@admin.register(Leg)
class LegAdmin(admin.ModelAdmin):
    list_display = (
        "flight",
        "sequence",
        "departure_airport",
        "arrival_airport",
        "date",
        "distance_km",
        "kind",
    )
    list_filter = ("kind", "date")
    search_fields = (
        "departure_airport__icao",
        "arrival_airport__icao",
        "callsign",
        "flight__route",
    )
    list_select_related = ("flight", "departure_airport", "arrival_airport")
    autocomplete_fields = ("flight", "departure_airport", "arrival_airport")
    readonly_fields = ("distance_km",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.flight.refresh_route()


@admin.register(CitizenshipCount)
class CitizenshipCountAdmin(admin.ModelAdmin):
    list_display = ("segment", "reported_name", "country", "people")
    search_fields = ("reported_name",)
    list_select_related = ("segment__pickup", "segment__dropoff", "country")
    readonly_fields = ("segment", "reported_name", "country", "people")


def _plain(value):
    """A JSON-safe rendering of a form value for the history."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
