"""Names in the reader's language: countries through pycountry's ISO 3166 translations.

Django's own catalogue translates the interface; country names come from the iso3166-1 domain
pycountry ships, so a new language needs no list of its own.
"""

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language


@cache
def _iso3166(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_name(code: str, fallback: str = "", language: str | None = None) -> str:
    """The country's common name in the active (or given) language; the fallback if unknown."""
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    if country is None:
        return fallback or code
    english = getattr(country, "common_name", None) or country.name
    lang = (language or get_language() or "en").split("-")[0]
    if lang == "en":
        return fallback or english
    translated = _iso3166(lang).gettext(country.name)
    return translated if translated != country.name else (fallback or english)
