"""Who may open each URL: the single permission matrix every URL must appear in.

Levels, from least to most privileged:
- "public": anyone, logged in or not;
- "volunteer": a logged-in member of the group "volunteer" (or any higher role);
- "moderator": a member of the group "moderator" or "admin", or a superuser;
- "staff": a user with is_staff (admin site users);
- "admin": a superuser or a member of the group "admin".

Each area adds its URL names here (namespace:name). tests/test_url_permissions.py enumerates the
URLconf and fails when a URL name is missing, so no page ships unguarded.
"""

ACCESS: dict[str, str] = {
    # records (lead)
    "flights:home": "public",
    "flights:flight_detail": "public",
}
