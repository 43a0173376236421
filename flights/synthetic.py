"""Synthetic (generated demo) flights never count as real unless a visible switch says so.

`synthetic=exclude` (the default), `include` or `only` in the query string. The filter form is
gaining this field (`flights.filters`); until it has it, the value is read from the form's raw
data here, so every aggregate page goes through these few functions and switches over in one
place when the form takes the parameter.
"""

from flights.models import Flight, Leg

EXCLUDE, INCLUDE, ONLY = "exclude", "include", "only"
MODES = (EXCLUDE, INCLUDE, ONLY)


def mode_of_value(value) -> str:
    """The mode a raw query-string value asks for; anything unknown is the safe default."""
    return value if value in (INCLUDE, ONLY) else EXCLUDE


def form_handles_it(form) -> bool:
    return "synthetic" in getattr(form, "fields", {})


def mode(form) -> str:
    if form_handles_it(form):
        return mode_of_value(form.values.get("synthetic") or EXCLUDE)
    data = getattr(form, "data", None) or {}
    return mode_of_value(data.get("synthetic") if hasattr(data, "get") else None)


def restrict(qs, chosen: str, field: str = "is_synthetic"):
    """A flight (or, with field="flight__is_synthetic", leg) queryset under the chosen mode."""
    if chosen == INCLUDE:
        return qs
    return qs.filter(**{field: chosen == ONLY})


def flights(form, **kwargs):
    """The filtered flights, synthetic ones excluded unless asked for."""
    qs = form.filter_flights(**kwargs)
    return qs if form_handles_it(form) else restrict(qs, mode(form))


def legs(form):
    qs = form.filter_legs()
    return qs if form_handles_it(form) else restrict(qs, mode(form), "flight__is_synthetic")


def real_flights(chosen: str = EXCLUDE):
    """All flights outside the filter form (directories, reports), under a mode."""
    return restrict(Flight.objects.all(), chosen)


def real_legs(chosen: str = EXCLUDE):
    return restrict(Leg.objects.all(), chosen, "flight__is_synthetic")


def key(form) -> tuple:
    """The form's cache key with the mode: excluded and included data never share a cache."""
    return (*form.cache_key(), mode(form))


def querystring(form, **overrides) -> str:
    """The form's query string, keeping the synthetic switch when it is on."""
    chosen = mode(form)
    if chosen != EXCLUDE and not form_handles_it(form):
        overrides.setdefault("synthetic", chosen)
    return form.querystring(**overrides)
