"""No generated input makes any URL of the permission matrix answer 5xx (issue 13, the habit).

For every URL in tests/access.py, hypothesis sends generated query strings, path segments
(where the route takes one) and form bodies, as an anonymous visitor, a volunteer and a
moderator, and fails on any status of 500 or more, naming the request. Values lean towards
what broke pages before: NUL bytes, years 1 and 9999, numbers of hundreds of digits, unclosed
quotes. Bounded for CI: FUZZ_URL_EXAMPLES examples per URL (default 5), well under two minutes
for the whole matrix.
"""

import os
import re
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flights.cache import known_parameters
from flights.health import record_worker_heartbeat
from tests.test_url_permissions import URLS, Objects, Url, build_kwargs, client_for

EXAMPLES = int(os.environ.get("FUZZ_URL_EXAMPLES", "5"))
ROLES = ("anonymous", "volunteer", "moderator")
# Routes taking text in a segment: any text is tried there; <int:...> segments get digits.
INT_PARAMS = {"pk"}

NASTY = [
    "\x00",
    "a\x00b",
    "0001-01-01",
    "9999-12-31",
    "1000-01-01",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2024-02-30",
    "1" * 400,
    "-" + "9" * 40,
    "1e309",
    "NaN",
    '"',
    "'",
    '"unclosed,',
    "%",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "\u202e",
    "𝕏",
    "",
    " ",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=24),
    st.from_regex(r"-?\d{1,300}", fullmatch=True),
)
PARAM_NAMES = sorted(
    known_parameters()
    | {"q", "format", "page_size", "limit", "offset", "ordering", "next", "email", "username"}
)
names = st.one_of(st.sampled_from(PARAM_NAMES), st.text(min_size=1, max_size=8))
query_strings = st.dictionaries(names, st.lists(values, min_size=1, max_size=2), max_size=4)
FORM_FIELDS = [
    "username",
    "password",
    "email",
    "reason",
    "flight",
    "leg",
    "original",
    "other_airport",
    "verify",
    "airport_code",
    "when",
    "event",
    "registration",
    "callsign",
    "people_count",
    "people_min",
    "people_max",
    "people_method",
    "notes",
    "link",
    "days",
    "note",
    "format",
    "new_password1",
    "new_password2",
    "old_password",
]
bodies = st.dictionaries(
    st.one_of(st.sampled_from(FORM_FIELDS), st.text(min_size=1, max_size=8)), values, max_size=6
)


def _segment_strategy(param: str):
    if param in INT_PARAMS:
        return st.from_regex(r"\d{1,30}", fullmatch=True)
    return st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=20))


def _path_with(url: Url, kwargs: dict, replaced: dict[str, str]) -> str:
    """The URL reversed with markers, then the markers swapped for the (quoted) segments."""
    markers = {
        name: (918273645 + i if name in INT_PARAMS else f"zzmark{i}zz")
        for i, name in enumerate(replaced)
    }
    path = reverse(url.name, kwargs={**kwargs, **markers})
    for name, segment in replaced.items():
        path = path.replace(str(markers[name]), quote(segment, safe=""), 1)
    return path


FUZZED = list(URLS)


@pytest.fixture
def quiet(settings):
    settings.PASSWORD_RESET_MIN_SECONDS = 0
    settings.PASSWORD_RESET_PER_CLIENT = 10**6
    settings.AXES_ENABLED = False  # logins are tried with generated names, not locked out


@pytest.fixture
def objects(role_users, reference_data):
    """The records URL kwargs point at, made once per URL (not once per example)."""
    return Objects(role_users)


@pytest.mark.parametrize("url", FUZZED, ids=[url.name for url in FUZZED])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(data=st.data())
def test_no_generated_request_answers_5xx(url, data, role_users, objects, quiet):
    kwargs = build_kwargs(url, objects)
    assert kwargs is not None, f"no fixture builds {url.params} for {url.route!r}"
    record_worker_heartbeat("worker@test")
    role = data.draw(st.sampled_from(ROLES), label="role")
    segments = {
        name: data.draw(_segment_strategy(name), label=f"segment {name}")
        for name in url.params
        if data.draw(st.booleans(), label=f"fuzz {name}")
    }
    path = _path_with(url, kwargs, segments) if segments else reverse(url.name, kwargs=kwargs)
    query = urlencode(data.draw(query_strings, label="query"), doseq=True)
    body = data.draw(bodies, label="body")
    client = client_for(role_users[role])
    for method in ("get", "post"):
        target = f"{path}?{query}" if query else path
        # Each request in a savepoint rolled back afterwards: one failure cannot abort the
        # test's transaction and pass itself off as the next request's 500.
        with transaction.atomic():
            if method == "get":
                response = client.get(target)
            else:
                response = client.post(target, body)
            transaction.set_rollback(True)
        assert response.status_code < 500, (
            f"{role} {method.upper()} {target!r} body={body!r}: {response.status_code}"
        )


def test_every_url_of_the_matrix_is_fuzzed():
    from tests.access import ACCESS

    assert {url.name for url in FUZZED} == set(ACCESS)
    assert all(re.fullmatch(r"[a-z_]+(:[a-z_]+)?", url.name) for url in FUZZED)
