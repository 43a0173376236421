"""Requests no page can serve are refused up front: NUL bytes (400) and oversized bodies (413)."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url",
    [
        "/airports/%00/",
        "/aircraft/%00/",
        "/countries/%00/",
        "/airports/KA%00EX/",
        "/flights/?q=%00",
        "/dashboard/?start=2024-01-01%00",
        "/flights/?%00=1",
    ],
)
def test_a_nul_byte_in_the_path_or_query_answers_400(client, reference_data, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.content == b"The address contains a NUL byte.\n"


def test_a_nul_byte_in_the_airport_suggestions_query_answers_400(client, role_users):
    client.force_login(role_users["volunteer"])
    response = client.get(reverse("flights:airport_search"), {"q": "KA\x00"})
    assert response.status_code == 400


def test_the_api_answers_a_nul_in_its_own_format(client, db):
    response = client.get(reverse("flights:api_airports"), {"code": "AE\x00X"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_an_ordinary_query_still_passes(client, reference_data):
    assert client.get("/airports/KAEX/").status_code == 200


def test_a_large_body_to_the_login_page_is_refused_before_it_is_read(client, settings):
    settings.REQUEST_MAX_BODY_BYTES = 64 * 1024
    body = b"x" * (64 * 1024 + 1)
    response = client.generic(
        "POST", reverse("login"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response.content == (
        b"The request body is 65537 bytes; this address accepts at most 65536.\n"
    )


def test_a_claimed_300_mb_login_post_is_refused_without_reading(client):
    # The test client sends the headers it is given: nothing this large is built or read.
    response = client.generic(
        "POST",
        reverse("login"),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_an_upload_route_takes_a_body_larger_than_other_routes(client, settings, role_users):
    settings.REQUEST_MAX_BODY_BYTES = 64 * 1024
    client.force_login(role_users["volunteer"])
    big = str(2 * 1024 * 1024)
    upload = client.generic(
        "POST", reverse("flights:sighting_add"), b"", content_type="text/plain", CONTENT_LENGTH=big
    )
    assert upload.status_code != 413
    other = client.generic(
        "POST",
        reverse("flights:sighting_reject", args=[1]),
        b"",
        content_type="text/plain",
        CONTENT_LENGTH=big,
    )
    assert other.status_code == 413


def test_upload_routes_stop_at_their_own_limit(client, settings, role_users):
    client.force_login(role_users["volunteer"])
    limit = settings.REQUEST_UPLOAD_BODY_LIMITS["flights:sighting_add"]
    response = client.generic(
        "POST",
        reverse("flights:sighting_add"),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(limit + 1),
    )
    assert response.status_code == 413


def test_every_upload_limit_names_a_real_route(settings):
    for name in settings.REQUEST_UPLOAD_BODY_LIMITS:
        reverse(name)  # raises NoReverseMatch for a renamed route


def test_a_malformed_content_length_answers_400(client):
    response = client.generic("POST", reverse("login"), b"", CONTENT_LENGTH="lots")
    assert response.status_code == 400


def test_the_shipped_proxy_enforces_the_same_body_limits(settings):
    import re
    from pathlib import Path

    conf = (Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf").read_text()
    mib = 1024 * 1024

    def limit_in(block_start: str) -> int:
        block = conf.split(block_start, 1)[1].split("}", 1)[0]
        return int(re.search(r"client_max_body_size (\d+)m;", block).group(1)) * mib

    assert limit_in("server_name tracker.example.org;") == settings.REQUEST_MAX_BODY_BYTES
    limits = settings.REQUEST_UPLOAD_BODY_LIMITS
    assert limit_in("location ~ ^(/es)?/sightings/new/$") == limits["flights:sighting_add"]
    imports = limit_in("location ~ ^(/es)?/(imports/|imports/map/|admin/flights/importrun/add/)$")
    assert imports == limits["flights:imports"] == limits["admin:flights_importrun_add"]
    assert imports == limits["flights:import_map"]
    traces = limit_in(
        "location ~ ^(/es)?/(moderation/traces/upload/|admin/flights/publishedfigure/upload/)$"
    )
    assert traces >= limits["flights:trace_upload"]
    assert traces >= limits["admin:flights_publishedfigure_upload"]
    assert reverse("flights:sighting_add") == "/sightings/new/"
    assert reverse("flights:imports") == "/imports/"
    assert reverse("admin:flights_importrun_add") == "/admin/flights/importrun/add/"
