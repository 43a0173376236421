"""Roles and the checks views make against them.

Roles are Django groups named exactly "volunteer", "moderator" and "admin"; superusers count as
admin, and each role includes the ones below it. The groups also carry model permissions (see
`ROLE_PERMISSIONS`) so the admin site and `{% if perms... %}` agree with the role checks.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

VOLUNTEER, MODERATOR, ADMIN = "volunteer", "moderator", "admin"
ROLES = (VOLUNTEER, MODERATOR, ADMIN)

# Which groups grant each role: a higher role includes the lower ones.
_GRANTING = {
    VOLUNTEER: {VOLUNTEER, MODERATOR, ADMIN},
    MODERATOR: {MODERATOR, ADMIN},
    ADMIN: {ADMIN},
}

# app_label.codename for each group. Volunteers only report; moderators review sightings and
# edit flight records; admins also manage invitations and reference data.
_FLIGHT_RECORDS = ["flight", "leg", "flightsource", "source", "flightchange"]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    VOLUNTEER: ["flights.add_sighting", "flights.add_sightingphoto"],
    MODERATOR: [
        "flights.add_sighting",
        "flights.add_sightingphoto",
        "flights.view_sighting",
        "flights.change_sighting",
        "flights.view_sightingphoto",
        "flights.view_sightingdecision",
        *[f"flights.{verb}_{model}" for model in _FLIGHT_RECORDS for verb in ("view", "change")],
        "flights.add_flight",
        "flights.add_leg",
        "flights.add_flightsource",
        "flights.add_source",
    ],
    ADMIN: [
        *[
            f"flights.{verb}_{model}"
            for model in [
                *_FLIGHT_RECORDS,
                "sighting",
                "sightingphoto",
                "sightingdecision",
                "invitation",
                "aircraft",
                "airport",
                "operator",
                "aircrafttype",
                "country",
            ]
            for verb in ("add", "change", "delete", "view")
        ],
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        # Admins run imports (with is_staff, as for the admin site itself).
        "flights.add_importrun",
        "flights.view_importrun",
    ],
}


# Imports: one permission to start one and one to see runs, checked the same by the admin
# (Django's model permissions) and by the staff pages at /imports/ (docs/security.md).
START_IMPORTS = "flights.add_importrun"
VIEW_IMPORTS = "flights.view_importrun"


def can_start_imports(user) -> bool:
    """Whether the user may start an import: staff holding `flights.add_importrun`."""
    return _is_staff(user) and user.has_perm(START_IMPORTS)


def can_view_imports(user) -> bool:
    """Whether the user may see import runs and their reports (starting one implies seeing)."""
    return _is_staff(user) and (user.has_perm(VIEW_IMPORTS) or user.has_perm(START_IMPORTS))


def _is_staff(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.is_staff


def _group_names(user) -> set[str]:
    cached = getattr(user, "_role_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_groups = cached
    return cached


def has_role(user, role: str) -> bool:
    """Whether the user holds this role or a higher one (superusers hold every role)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(_group_names(user) & _GRANTING[role])


def is_volunteer(user) -> bool:
    return has_role(user, VOLUNTEER)


def is_moderator(user) -> bool:
    return has_role(user, MODERATOR)


def is_admin(user) -> bool:
    return has_role(user, ADMIN)


def role_required(role: str) -> Callable:
    """View decorator: anonymous users go to the login page, users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                raise PermissionDenied(f"This page is for the {role} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


volunteer_required = role_required(VOLUNTEER)
moderator_required = role_required(MODERATOR)
admin_required = role_required(ADMIN)


def setup_roles(apps=None) -> dict[str, int]:
    """Create the three groups with their permissions; idempotent. Returns permissions per group.

    Takes the migration's `apps` when called from a data migration, else uses the live registry.
    """
    if apps is None:
        from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; the groups need them now.
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = original

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    counts = {}
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = {tuple(name.split(".", 1)) for name in names}
        perms = [
            perm
            for perm in permission_model.objects.filter(
                content_type__app_label__in={app for app, _ in wanted}
            ).select_related("content_type")
            if (perm.content_type.app_label, perm.codename) in wanted
        ]
        group.permissions.add(*perms)
        counts[role] = len(perms)
    return counts
