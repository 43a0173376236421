"""Template filters for names in the reader's language: `{% load tracker_i18n %}`.

`{{ country|country_name }}` takes a Country or an ISO code and gives pycountry's name in the
active language (Spanish "China", "Guatemala", "Estados Unidos"...).
"""

from django import template

from flights.i18n import country_name as _country_name

register = template.Library()


@register.filter
def country_name(value) -> str:
    code = getattr(value, "code", value) or ""
    return _country_name(str(code), getattr(value, "name", ""))
