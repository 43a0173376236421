from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def site(request) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


def _data_updated():
    """When a real (not synthetic) flight last changed: cached under the data version, so it
    moves the moment an import or approval lands."""
    from flights.cache import cached
    from flights.models import Flight

    # None (no real flight) is cached too.
    return cached("data_updated", None, Flight.objects.last_real_change)


def trust(request) -> dict:
    """What every page says about its numbers (dashboard area): whether synthetic flights are
    counted (the banner) and when the data last changed (the footer)."""
    from django.utils.functional import SimpleLazyObject

    from flights.synthetic import mode_of_value

    return {
        "SYNTHETIC_MODE": mode_of_value(request.GET.get("synthetic")),
        "DATA_UPDATED": SimpleLazyObject(_data_updated),
    }


def languages(request) -> dict:
    """The current page in every other language, for the switch in base.html."""
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    return {
        "LANGUAGE_LINKS": [
            {"code": code, "name": name, "url": translate_url(path, code)}
            for code, name in settings.LANGUAGES
            if code != current
        ]
    }


def feeds(request) -> dict:
    """The Atom feed of the page (with its filters) and a link to subscribe to the same filter."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from flights.feeds import feed_url_for

    url = feed_url_for(request)
    if url is None:
        return {}
    return {
        "FEED_URL": url,
        "SUBSCRIBE_URL": reverse("flights:alert_subscribe")
        + "?"
        + urlencode({"url": request.get_full_path()}),
    }
