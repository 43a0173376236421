"""Cached aggregates that go stale the moment the data changes.

Every cached value's key includes a data version; anything that writes flights, legs or
sightings calls `bump_data_version()` (signals do it for ordinary saves; bulk writers such as
importers call it once after committing). The version must be one every web process sees: with
Redis it lives in Redis; with a process-local cache (the default local memory) it lives in the
database, since a change made in one process never reaches another's memory, which would keep
serving the page (or the error) it computed before. A Redis outage degrades to recomputing,
never to an error page.
"""

import contextlib
import contextvars
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import get_language

log = logging.getLogger(__name__)
VERSION_KEY = "flights:data-version"
# One request's view of the cache (DataVersionMiddleware): the data version as first read
# ("value"; a cold page asks for it once per cached part, each ask a round trip), the answers
# cached() gave ("seen": the operator and country lists are asked for several times per page),
# and the answers computed here, written in one round trip when the request ends ("pending").
_request_version: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "flights_data_version", default=None
)


@contextlib.contextmanager
def one_version_per_request() -> Iterator[None]:
    """Within this block data_version() is read once and remembered until a bump, cached()
    answers a repeated question from memory, and what it computed is stored at the end."""
    memo: dict = {}
    token = _request_version.set(memo)
    try:
        yield
    finally:
        _request_version.reset(token)
        _store(memo.get("pending", {}))


def _store(pending: dict[int | None, dict[str, Any]]) -> None:
    for timeout, values in pending.items():
        try:
            cache.set_many(values, timeout=timeout)
        except Exception:  # noqa: BLE001 - the cache is an optimisation
            log.warning("cache unavailable while writing %s values", len(values), exc_info=True)


def _process_local() -> bool:
    return isinstance(caches["default"], LocMemCache | DummyCache)


def data_version() -> str:
    memo = _request_version.get()
    if memo is not None and "value" in memo:
        return memo["value"]
    version = _read_data_version()
    if memo is not None:
        memo["value"] = version
    return version


def _read_data_version() -> str:
    if _process_local():
        return _database_version()
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            version = str(time.time_ns())
            cache.add(VERSION_KEY, version, timeout=None)
            version = cache.get(VERSION_KEY, version)
        return str(version)
    except Exception:  # noqa: BLE001 - the cache is an optimisation; never fail a page on it
        log.warning("cache unavailable while reading the data version", exc_info=True)
        return "nocache"


def bump_data_version() -> None:
    memo = _request_version.get()
    if memo is not None:
        # What this request renders after its own write shows that write (the keys of the
        # answers it has seen and computed carry the old version: still right for it).
        memo.pop("value", None)
    if _process_local():
        _bump_database_version()
        return
    try:
        cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable while bumping the data version", exc_info=True)


def _database_version() -> str:
    from flights.models import DataVersion

    current = DataVersion.objects.filter(pk=1).values_list("value", flat=True)
    try:
        value = current.first()
        if value is None:
            _bump_database_version()
            value = current.first()
    except DatabaseError:
        log.warning("database unavailable while reading the data version", exc_info=True)
        return "nocache"
    return str(value)


def _bump_database_version() -> None:
    from flights.models import DataVersion

    # An upsert: the first writer creates the row, every later one replaces its value.
    DataVersion.objects.bulk_create(
        [DataVersion(pk=1, value=time.time_ns())],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["value"],
    )


_MISSING = object()


def cached(name: str, params: Any, compute: Callable[[], Any], timeout: int | None = None) -> Any:
    """Return `compute()` cached under name+params+data version; compute on any cache error."""
    version = data_version()
    if version == "nocache":
        return compute()
    digest = hashlib.sha1(repr(params).encode(), usedforsecurity=False).hexdigest()
    # Per language: charts and labels are cached in the words of the page that built them.
    key = f"flights:{name}:{version}:{get_language() or ''}:{digest}"
    memo = _request_version.get()
    seen = memo.setdefault("seen", {}) if memo is not None else {}
    if key in seen:
        return seen[key]
    try:
        # A sentinel, not None: an answer of None (no real flight yet) is cached like any other.
        value = cache.get(key, _MISSING)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable while reading %s", name, exc_info=True)
        return compute()
    if value is _MISSING:
        value = compute()
        if memo is not None:
            memo.setdefault("pending", {}).setdefault(timeout, {})[key] = value
        else:
            try:
                cache.set(key, value, timeout=timeout)
            except Exception:  # noqa: BLE001
                log.warning("cache unavailable while writing %s", name, exc_info=True)
    seen[key] = value
    return value


# --- Page-cache keys ------------------------------------------------------------------------------

# Query parameters a public page reads besides the filters; the filter names come from
# flights.filters, so a filter added there is cached without a change here.
PAGE_PARAMETERS = frozenset({"page", "page_size", "sort", "q", "code", "country", "cursor"})
# A longer query string is served, never stored: no page needs one, and each would be a key.
PAGE_KEY_MAX_QUERY = 512


@functools.cache
def known_parameters() -> frozenset[str]:
    from flights import filters

    names = set(PAGE_PARAMETERS)
    # Whatever shape the filter definition takes (a Form's fields, a FilterSet's filters).
    for value in vars(filters).values():
        for attribute in ("base_fields", "base_filters"):
            fields = getattr(value, attribute, None)
            if isinstance(fields, dict):
                names.update(fields)
    return frozenset(names)


def canonical_query(query: QueryDict) -> str | None:
    """The query string in one canonical form (known names, sorted), or None: do not store.

    `?utm=<random>` must not make a new cache entry per request, so a request carrying a
    parameter no page reads is served fresh and never stored; known parameters in another
    order, or repeated values in another order, share one entry.
    """
    known = known_parameters()
    if any(name not in known for name in query):
        return None
    pairs = sorted((name, value) for name, values in query.lists() for value in values)
    canonical = urlencode(pairs)
    return canonical if len(canonical) <= PAGE_KEY_MAX_QUERY else None
