from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def site(request) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


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
