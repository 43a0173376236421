"""Who may open each URL: the single permission matrix every URL must appear in.

Levels, from least to most privileged:
- "public": anyone, logged in or not;
- "volunteer": a logged-in member of the group "volunteer" (or any higher role);
- "moderator": a member of the group "moderator" or "admin", or a superuser;
- "staff": a user with is_staff (admin site users) holding the model permissions the page
  checks, as the admin does (imports: flights.add_importrun / view_importrun);
- "admin": a superuser or a member of the group "admin".

Each area adds its URL names here (namespace:name). tests/test_url_permissions.py enumerates the
URLconf and fails when a URL name is missing, so no page ships unguarded.
"""

ACCESS: dict[str, str] = {
    # records (lead)
    "flights:home": "public",
    "flights:flight_detail": "public",
    # dashboard (analyst pages)
    "flights:dashboard": "public",
    "flights:route_map": "public",
    "flights:flight_list": "public",
    "flights:airport_detail": "public",
    "flights:aircraft_detail": "public",
    "flights:country_detail": "public",
    "flights:filter_options": "public",
    # reports, reconciliation, people, methodology, directories (dashboard area)
    "flights:report_index": "public",
    "flights:reconciliation": "public",
    "flights:monthly_report": "public",
    "flights:monthly_report_print": "public",
    "flights:people": "public",
    "flights:methodology": "public",
    "flights:airport_list": "public",
    "flights:aircraft_list": "public",
    "flights:operator_list": "public",
    "flights:country_list": "public",
    "flights:favicon": "public",
    # health (probes; no data, only which dependency is down)
    "flights:healthz": "public",
    "flights:readyz": "public",
    # sightings and moderation
    "flights:sighting_add": "volunteer",
    "flights:sighting_list": "volunteer",
    "flights:sighting_detail": "volunteer",  # the reporter or a moderator; others get 404
    "flights:sighting_photo": "moderator",  # public once the sighting is approved
    "flights:airport_search": "volunteer",
    "flights:moderation_queue": "moderator",
    "flights:sighting_review": "moderator",
    "flights:sighting_attach": "moderator",
    "flights:sighting_create_flight": "moderator",
    "flights:sighting_duplicate": "moderator",
    "flights:sighting_reject": "moderator",
    # ADS-B candidates and the watch list
    "flights:candidate_review": "moderator",
    "flights:candidate_confirm": "moderator",
    "flights:candidate_edit": "moderator",
    "flights:candidate_dismiss": "moderator",
    "flights:watch_list": "moderator",
    "flights:trace_upload": "staff",
    # imports (staff)
    "flights:imports": "staff",
    "flights:import_map": "staff",
    "flights:import_map_run": "staff",
    "flights:import_detail": "staff",
    "flights:import_status": "staff",
    "flights:import_rejected_csv": "staff",
    # accounts (no open sign-up: invitations only)
    "flights:invitation_list": "admin",
    "flights:invitation_accept": "public",  # needs a valid single-use token
    "login": "public",
    "logout": "public",
    "password_change": "volunteer",  # any logged-in user
    "password_change_done": "volunteer",  # any logged-in user
    "password_reset": "public",
    "password_reset_done": "public",
    "password_reset_confirm": "public",
    "password_reset_complete": "public",
    # exports and API (read-only, public data)
    "flights:export_flights_csv": "public",
    "flights:export_flights_json": "public",
    "flights:export_legs_csv": "public",
    "flights:export_legs_json": "public",
    "flights:export_status": "public",  # the unguessable token is the access
    "flights:export_download": "public",
    "flights:api_docs": "public",
    "flights:api_root": "public",
    "flights:api_schema": "public",
    "flights:api_swagger": "public",
    "flights:api_flights": "public",
    "flights:api_flight": "public",
    "flights:api_legs": "public",
    "flights:api_airports": "public",
    "flights:api_airport": "public",
    "flights:api_countries": "public",
    "flights:api_operators": "public",
    # feeds and alerts (public feeds; subscriptions by e-mail token; webhooks for volunteers)
    "flights:flight_feed": "public",
    "flights:airport_feed": "public",
    "flights:country_feed": "public",
    "flights:aircraft_feed": "public",
    "flights:operator_feed": "public",
    "flights:alert_subscribe": "public",
    "flights:alert_confirm": "public",  # needs the secret token of the subscription
    "flights:alert_unsubscribe": "public",  # likewise
    "flights:webhooks": "volunteer",
    "flights:webhook_delete": "volunteer",  # the owner's own webhooks only; others get 404
}
