"""The scheduled ADS-B feed: folders and URLs named in settings.ADSB_FEEDS (docs/adsb.md)."""

import urllib.request

from django.conf import settings

from .ingest import Blob, blobs_from_paths, import_traces

MAX_BYTES = 64 * 1024 * 1024


def fetch_url(url: str, licence: str) -> Blob:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (configured URLs)
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise OSError(f"{url}: larger than {MAX_BYTES} bytes")
    return Blob(url.rsplit("/", 1)[-1] or url, data, url=url, licence=licence)


def poll_feeds() -> int:
    """Read every configured feed; files read before create nothing (their digest is known)."""
    created = 0
    for feed in settings.ADSB_FEEDS:
        location, licence = feed, settings.ADSB_FEED_LICENCE
        if location.startswith(("http://", "https://")):
            blobs = [fetch_url(location, licence)]
        else:
            blobs = blobs_from_paths([location], licence=licence)
        created += import_traces(blobs).candidates_created
    return created
