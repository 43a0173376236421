"""Scheduled feeds: fetch a configured URL and import it when its content changed.

A feed may name a column mapping profile: its runs are read through it, as
`import_flights --profile NAME` reads a file (docs/imports.md, "Scheduled feeds")."""

from __future__ import annotations

import hashlib
import tempfile
import urllib.error
import urllib.request
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from flights.models import ImportFeed, ImportRun, ImportStatus


class FeedError(Exception):
    """The feed answered, but not with something to import (retrying will not help)."""


# Network trouble worth retrying: refused/reset connections, timeouts, 5xx answers.
class FeedUnavailable(Exception):
    pass


def _request(feed: ImportFeed) -> urllib.request.Request:
    """A conditional GET: the server answers 304 when the file did not change."""
    request = urllib.request.Request(feed.url, headers={"User-Agent": "flight-tracker-import"})
    if feed.etag:
        request.add_header("If-None-Match", feed.etag)
    if feed.last_modified:
        request.add_header("If-Modified-Since", feed.last_modified)
    return request


def _download(feed: ImportFeed, tmp) -> tuple[str, str, str] | None:
    """The feed's body into `tmp`, at most IMPORT_MAX_UPLOAD_BYTES: (sha256, ETag,
    Last-Modified), or None when not modified. Every outcome is noted on the feed."""
    digest = hashlib.sha256()
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    try:
        with urllib.request.urlopen(
            _request(feed), timeout=settings.IMPORT_FEED_TIMEOUT
        ) as response:
            size = 0
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise FeedError(f"the feed is larger than {limit} bytes")
                digest.update(chunk)
                tmp.write(chunk)
            return (
                digest.hexdigest(),
                response.headers.get("ETag", ""),
                response.headers.get("Last-Modified", ""),
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            _checked(feed, "not modified (HTTP 304)")
            return None
        if exc.code >= 500 or exc.code == 429:
            raise FeedUnavailable(f"HTTP {exc.code}") from exc
        _checked(feed, f"HTTP {exc.code}: not imported")
        raise FeedError(f"{feed.url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        _checked(feed, f"unreachable: {exc}")
        raise FeedUnavailable(str(exc)) from exc
    except FeedError as exc:
        _checked(feed, str(exc))
        raise


def _queue(feed: ImportFeed, tmp, sha: str) -> ImportRun:
    """A queued run of the downloaded file, and the feed remembering its content."""
    tmp.flush()
    tmp.seek(0)
    name = PurePosixPath(urlsplit(feed.url).path).name or f"feed-{feed.pk}.csv"
    with transaction.atomic():
        run = ImportRun(
            format=feed.format,
            url=feed.url,
            feed=feed,
            profile=feed.profile,
            file_name=name[:300],
            source_kind=feed.source_kind,
            content_sha256=sha,
            status=ImportStatus.QUEUED,
        )
        run.file.save(name, File(tmp), save=False)
        run.save()
        feed.content_sha256 = sha
        _checked(feed, f"changed: import run #{run.pk} queued")
        from flights.tasks import enqueue_import

        enqueue_import(run.pk)
    return run


def fetch_feed(feed_id: int) -> ImportRun | None:
    """Fetch a feed; create and return a queued run when the content is new, else None."""
    feed = ImportFeed.objects.get(pk=feed_id)
    if not feed.enabled:
        return None
    with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:
        fetched = _download(feed, tmp)
        if fetched is None:
            return None
        sha, etag, modified = fetched
        feed.etag, feed.last_modified = etag[:300], modified[:100]
        if sha == feed.content_sha256:
            _checked(feed, "unchanged since the last import")
            return None
        return _queue(feed, tmp, sha)


def _checked(feed: ImportFeed, result: str) -> None:
    feed.last_checked_at = timezone.now()
    feed.last_result = result[:300]
    feed.save(update_fields=["etag", "last_modified", "content_sha256", "last_checked_at",
                             "last_result"])  # fmt: skip
