"""Cached aggregates that go stale the moment the data changes.

Every cached value's key includes a data version; anything that writes flights, legs or
sightings calls `bump_data_version()` (signals do it for ordinary saves; bulk writers such as
importers call it once after committing). A Redis outage degrades to recomputing, never to an
error page.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

log = logging.getLogger(__name__)
VERSION_KEY = "flights:data-version"


def data_version() -> str:
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
    try:
        cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable while bumping the data version", exc_info=True)


def cached(name: str, params: Any, compute: Callable[[], Any], timeout: int | None = None) -> Any:
    """Return `compute()` cached under name+params+data version; compute on any cache error."""
    version = data_version()
    if version == "nocache":
        return compute()
    digest = hashlib.sha1(repr(params).encode(), usedforsecurity=False).hexdigest()
    # Per language: charts and labels are cached in the words of the page that built them.
    key = f"flights:{name}:{version}:{get_language() or ''}:{digest}"
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable while reading %s", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=timeout)
        except Exception:  # noqa: BLE001
            log.warning("cache unavailable while writing %s", name, exc_info=True)
    return value
