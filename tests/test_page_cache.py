"""Anonymous public pages come from the cache until the data changes (PAGE_CACHE_SECONDS)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from flights.cache import bump_data_version
from tests.factories import make_flight


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300


def test_the_second_anonymous_visit_is_served_without_a_query(
    client, page_cache, reference_data, django_assert_num_queries
):
    make_flight(route=("KAEX", "MGGT"))
    first = client.get(reverse("flights:home"))
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(reverse("flights:home"))
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_data_change_shows_at_once(client, page_cache, reference_data):
    client.get(reverse("flights:home"))
    flight = make_flight(route=("KAEX", "MGGT"), callsign="GXA6017")
    assert flight.route.encode() not in client.get(reverse("flights:home")).content
    bump_data_version()  # what every write does once it commits
    assert flight.route.encode() in client.get(reverse("flights:home")).content


def test_the_query_string_is_part_of_the_key(client, page_cache, reference_data):
    empty = client.get(reverse("flights:api_flights")).content
    make_flight(route=("KAEX", "MGGT"))
    assert client.get(reverse("flights:api_flights")).content == empty  # stored
    assert client.get(reverse("flights:api_flights") + "?page=1").content != empty


def test_signed_in_users_are_never_served_a_stored_page(client, page_cache, db):
    client.get(reverse("flights:home"))
    user = User.objects.create_user("cache-reader", password=None)
    signed_in = Client()
    signed_in.force_login(user)
    assert b"cache-reader" in signed_in.get(reverse("flights:home")).content


def test_pages_that_set_a_cookie_are_not_stored(client, page_cache, db):
    first = client.get(reverse("login"))
    assert first.cookies  # the CSRF cookie: this page is personal
    fresh = Client()
    assert fresh.get(reverse("login")).cookies["csrftoken"].value != (
        first.cookies["csrftoken"].value
    )


def test_probes_are_never_stored(client, page_cache, db, settings):
    settings.CELERY_BROKER_URL = ""
    assert client.get(reverse("flights:readyz")).json()["status"] == "ok"
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"
    assert client.get(reverse("flights:readyz")).status_code == 503


def test_it_is_off_unless_configured(
    client, reference_data, settings, django_assert_max_num_queries
):
    assert settings.PAGE_CACHE_SECONDS == 0
    client.get(reverse("flights:home"))
    flight = make_flight(route=("KAEX", "MGGT"))
    assert flight.route.encode() in client.get(reverse("flights:home")).content


# --- One data version for every process; bounded keys (issue 13, items 2 and 10) -------------


def _stored_pages() -> int:
    """How many whole pages the (Redis) cache holds now."""
    import redis
    from django.conf import settings

    return len(redis.Redis.from_url(settings.REDIS_URL).keys("*:page:*"))


def _local_memory(settings, location: str) -> None:
    """The default cache as one web process's own memory (LocMemCache named `location`)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": location,
        }
    }


def test_with_local_memory_a_change_in_another_process_shows_at_once(settings, db):
    from flights.cache import cached

    _local_memory(settings, "web-1")
    assert cached("total", (), lambda: "before") == "before"
    _local_memory(settings, "web-2")  # the admin deletes a flight on another process
    bump_data_version()
    _local_memory(settings, "web-1")
    assert cached("total", (), lambda: "after") == "after"


def test_with_local_memory_a_stored_page_goes_stale_in_every_process(
    client, page_cache, settings, reference_data
):
    _local_memory(settings, "web-1")
    client.get(reverse("flights:home"))
    _local_memory(settings, "web-2")
    flight = make_flight(route=("KAEX", "MGGT"), callsign="GXA6017")
    bump_data_version()
    _local_memory(settings, "web-1")
    assert flight.route.encode() in client.get(reverse("flights:home")).content


def test_unknown_parameters_are_served_but_never_stored(client, page_cache, reference_data):
    url = reverse("flights:home")
    client.get(url)
    before = _stored_pages()
    for n in range(20):
        assert client.get(f"{url}?utm={n}").status_code == 200
    assert _stored_pages() == before == 1


def test_known_parameters_in_any_order_share_one_entry(
    client, page_cache, reference_data, django_assert_num_queries
):
    url = reverse("flights:flight_list")
    first = client.get(f"{url}?sort=-date&page=1&kind=removal&kind=lateral")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(f"{url}?kind=lateral&page=1&kind=removal&sort=-date")
    assert again.content == first.content


def test_a_very_long_query_string_is_never_stored(client, page_cache, reference_data):
    url = reverse("flights:flight_list")
    client.get(f"{url}?q={'x' * 300}")
    assert _stored_pages() == 1
    client.get(f"{url}?q={'x' * 600}")
    assert _stored_pages() == 1


def test_the_filters_are_known_page_parameters():
    from flights.cache import known_parameters

    assert {"start", "end", "country", "airport", "page", "sort"} <= known_parameters()


# --- Validators: browsers and proxies revalidate a stored page cheaply (issue 14, h14l) -------


def test_a_stored_page_revalidates_with_304_until_the_data_changes(
    client, page_cache, reference_data, django_assert_num_queries
):
    make_flight(route=("KAEX", "MGGT"))
    url = reverse("flights:flight_list")
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "no-cache"
    assert "Cookie" in first["Vary"]
    assert first["Last-Modified"].endswith(" GMT")
    with django_assert_num_queries(0):
        again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    bump_data_version()  # what a write does once it commits
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_an_etag_of_another_page_is_not_a_match(client, page_cache, reference_data):
    flight = make_flight(route=("KAEX", "MGGT"))
    listing = client.get(reverse("flights:flight_list"))
    detail = client.get(flight.get_absolute_url(), headers={"if-none-match": listing["ETag"]})
    assert detail.status_code == 200
    assert detail["ETag"] != listing["ETag"]


def test_a_signed_in_page_is_neither_stored_nor_given_a_shared_etag(client, page_cache, db):
    user = User.objects.create_user("staff-reader", password=None, is_staff=True)
    signed_in = Client()
    signed_in.force_login(user)
    response = signed_in.get(reverse("flights:flight_list"))
    assert response.status_code == 200
    assert "ETag" not in response
    assert _stored_pages() == 0


def test_the_flight_pages_are_served_whole_from_the_cache(
    client, page_cache, reference_data, django_assert_num_queries
):
    flight = make_flight(route=("KAEX", "MGGT"))
    for url in (reverse("flights:flight_list") + "?sort=-distance", flight.get_absolute_url()):
        first = client.get(url)
        with django_assert_num_queries(0):
            assert client.get(url).content == first.content


def test_an_answer_of_none_is_cached_like_any_other(db):
    """No real flight yet: the footer's "data last updated" is None, and must not be asked of
    the database again on every page."""
    from flights.cache import cached

    calls = []

    def compute():
        calls.append(1)

    assert cached("answer-none-test", None, compute) is None
    assert cached("answer-none-test", None, compute) is None
    assert len(calls) == 1


def test_a_cold_page_reads_the_data_version_once(client, reference_data, monkeypatch):
    """Every cached part of a page is keyed on the data version; it is read once per request,
    not once per part (a round trip each)."""
    from django.core.cache import cache

    from flights import cache as flights_cache

    reads = []
    read = flights_cache._read_data_version
    monkeypatch.setattr(flights_cache, "_read_data_version", lambda: reads.append(1) or read())
    make_flight(route=("KAEX", "MGGT"))
    cache.clear()
    assert client.get(reverse("flights:dashboard")).status_code == 200
    assert len(reads) == 1


def test_what_a_request_renders_after_its_own_write_sees_the_new_version(db):
    from flights.cache import data_version, one_version_per_request

    with one_version_per_request():
        before = data_version()
        assert data_version() == before
        bump_data_version()
        assert data_version() != before


def test_the_redis_cache_shares_one_client_per_pool(settings):
    from django.core.cache import caches

    from flights.redis_cache import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("the suite runs on Redis (make test); this run has no REDIS_URL")
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("one-client-test", {"a": 1})
    assert cache.get("one-client-test") == {"a": 1}


def test_within_a_request_a_repeated_question_is_answered_from_memory(db, monkeypatch):
    from django.core.cache import caches

    from flights.cache import cached, one_version_per_request

    backend = caches["default"]
    reads, computed = [], []
    get = backend.get
    monkeypatch.setattr(backend, "get", lambda *a, **k: reads.append(a[0]) or get(*a, **k))
    with one_version_per_request():
        for _ in range(3):
            assert cached("memo-test", 1, lambda: computed.append(1) or "answer") == "answer"
        assert cached("memo-test", 2, lambda: "other") == "other"
    assert computed == [1]
    assert len([key for key in reads if "memo-test" in key]) == 2  # one per question
    # Stored when the request ended, for the next one.
    with one_version_per_request():
        assert cached("memo-test", 1, lambda: computed.append(1) or "again") == "answer"
    assert computed == [1]
