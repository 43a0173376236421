from django.conf import settings


def site(request) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


def _data_updated():
    """When a real (not synthetic) flight last changed: cached under the data version, so it
    moves the moment an import or approval lands."""
    from django.db.models import Max

    from flights.cache import cached
    from flights.models import Flight

    return cached(
        "data_updated",
        None,
        lambda: Flight.objects.filter(is_synthetic=False).aggregate(at=Max("updated_at"))["at"],
    )


def trust(request) -> dict:
    """What every page says about its numbers (dashboard area): whether synthetic flights are
    counted (the banner) and when the data last changed (the footer)."""
    from django.utils.functional import SimpleLazyObject

    from flights.synthetic import mode_of_value

    return {
        "SYNTHETIC_MODE": mode_of_value(request.GET.get("synthetic")),
        "DATA_UPDATED": SimpleLazyObject(_data_updated),
    }
