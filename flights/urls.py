from django.urls import path

from flights import feeds
from flights.api import views as api_views
from flights.views import (
    accounts,
    adsb,
    alerts,
    dashboard,
    directories,
    exports,
    health,
    imports,
    records,
    reports,
    sightings,
)

app_name = "flights"

# One block per area; each area's views live in flights/views/<area>.py.
urlpatterns = [
    path("", records.home, name="home"),
    # dashboard (analyst pages)
    path("dashboard/", dashboard.overview, name="dashboard"),
    path("dashboard/map/", dashboard.route_map, name="route_map"),
    path("flights/", dashboard.flight_list, name="flight_list"),
    path("flights/<int:pk>/", dashboard.flight_detail, name="flight_detail"),
    path("airports/<str:code>/", dashboard.airport_detail, name="airport_detail"),
    path("aircraft/<str:registration>/", dashboard.aircraft_detail, name="aircraft_detail"),
    path("countries/<str:code>/", dashboard.country_detail, name="country_detail"),
    path("filters/options.json", dashboard.filter_options_json, name="filter_options"),
    # reports, reconciliation, people, methodology, directories (dashboard area)
    path("reports/", reports.report_index, name="report_index"),
    path("reports/reconciliation/", reports.reconciliation, name="reconciliation"),
    path("reports/<str:month>/", reports.monthly_report, name="monthly_report"),
    path("reports/<str:month>/print/", reports.monthly_report_print, name="monthly_report_print"),
    path("people/", reports.people_page, name="people"),
    path("methodology/", reports.methodology, name="methodology"),
    path("airports/", directories.airport_list, name="airport_list"),
    path("aircraft/", directories.aircraft_list, name="aircraft_list"),
    path("operators/", directories.operator_list, name="operator_list"),
    path("countries/", directories.country_list, name="country_list"),
    path("favicon.ico", directories.favicon, name="favicon"),
    # health (probes)
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # sightings (volunteers report, moderators review)
    path("sightings/new/", sightings.sighting_add, name="sighting_add"),
    path("sightings/mine/", sightings.sighting_list, name="sighting_list"),
    path("sightings/<int:pk>/", sightings.sighting_detail, name="sighting_detail"),
    path("sightings/photos/<int:pk>/", sightings.sighting_photo, name="sighting_photo"),
    path("sightings/airports.json", sightings.airport_search, name="airport_search"),
    path("moderation/", sightings.moderation_queue, name="moderation_queue"),
    path("moderation/<int:pk>/", sightings.sighting_review, name="sighting_review"),
    path("moderation/<int:pk>/attach/", sightings.sighting_attach, name="sighting_attach"),
    path(
        "moderation/<int:pk>/new-flight/",
        sightings.sighting_create_flight,
        name="sighting_create_flight",
    ),
    path("moderation/<int:pk>/duplicate/", sightings.sighting_duplicate, name="sighting_duplicate"),
    path("moderation/<int:pk>/reject/", sightings.sighting_reject, name="sighting_reject"),
    # ADS-B candidates and the watch list (moderators)
    path("moderation/adsb/<int:pk>/", adsb.candidate_review, name="candidate_review"),
    path("moderation/adsb/<int:pk>/confirm/", adsb.candidate_confirm, name="candidate_confirm"),
    path("moderation/adsb/<int:pk>/edit/", adsb.candidate_edit, name="candidate_edit"),
    path("moderation/adsb/<int:pk>/dismiss/", adsb.candidate_dismiss, name="candidate_dismiss"),
    path("moderation/watch-list/", adsb.watch_list, name="watch_list"),
    path("moderation/traces/upload/", adsb.trace_upload, name="trace_upload"),
    # imports (staff)
    path("imports/", imports.import_list, name="imports"),
    path("imports/map/", imports.import_map, name="import_map"),
    path("imports/<int:pk>/map/", imports.import_map_run, name="import_map_run"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/status.json", imports.import_status, name="import_status"),
    path("imports/<int:pk>/rejected.csv", imports.import_rejected_csv, name="import_rejected_csv"),
    # accounts (invitation-only sign-up; login etc. are django.contrib.auth.urls)
    path("accounts/invitations/", accounts.invitation_list, name="invitation_list"),
    path("accounts/invite/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
    # exports and API (read-only; docs at /api/, schema at /api/v1/openapi.json)
    path("flights/export.csv", exports.export_flights_csv, name="export_flights_csv"),
    path("flights/export.json", exports.export_flights_json, name="export_flights_json"),
    path("legs/export.csv", exports.export_legs_csv, name="export_legs_csv"),
    path("legs/export.json", exports.export_legs_json, name="export_legs_json"),
    path("exports/<str:token>/", exports.export_status, name="export_status"),
    path("exports/<str:token>/download", exports.export_download, name="export_download"),
    path("api/", api_views.api_docs, name="api_docs"),
    path("api/v1/", api_views.ApiRoot.as_view(), name="api_root"),
    path("api/v1/openapi.json", api_views.openapi_schema, name="api_schema"),
    path("api/v1/docs/", api_views.api_swagger, name="api_swagger"),
    path("api/v1/flights/", api_views.FlightList.as_view(), name="api_flights"),
    path("api/v1/flights/<int:pk>/", api_views.FlightDetail.as_view(), name="api_flight"),
    path("api/v1/legs/", api_views.LegList.as_view(), name="api_legs"),
    path("api/v1/airports/", api_views.AirportList.as_view(), name="api_airports"),
    path("api/v1/airports/<str:code>/", api_views.AirportDetail.as_view(), name="api_airport"),
    path("api/v1/countries/", api_views.CountryList.as_view(), name="api_countries"),
    path("api/v1/operators/", api_views.OperatorList.as_view(), name="api_operators"),
    # feeds and alerts (Atom of every flight list; subscriptions by e-mail and webhook)
    path("flights/feed.atom", feeds.flight_feed, name="flight_feed"),
    path("airports/<str:code>/feed.atom", feeds.airport_feed, name="airport_feed"),
    path("countries/<str:code>/feed.atom", feeds.country_feed, name="country_feed"),
    path("aircraft/<str:registration>/feed.atom", feeds.aircraft_feed, name="aircraft_feed"),
    path("operators/<int:pk>/feed.atom", feeds.operator_feed, name="operator_feed"),
    path("alerts/subscribe/", alerts.alert_subscribe, name="alert_subscribe"),
    path("alerts/confirm/<str:token>/", alerts.alert_confirm, name="alert_confirm"),
    path("alerts/unsubscribe/<str:token>/", alerts.alert_unsubscribe, name="alert_unsubscribe"),
    path("alerts/webhooks/", alerts.webhooks, name="webhooks"),
    path("alerts/webhooks/<int:pk>/delete/", alerts.webhook_delete, name="webhook_delete"),
]
