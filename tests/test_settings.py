import pytest
from django.core.exceptions import ImproperlyConfigured

from tracker import settings as tracker_settings


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("off", False), ("Yes", True)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert tracker_settings.env_bool("SOME_FLAG") is expected


def test_env_bool_refuses_a_malformed_value(monkeypatch):
    monkeypatch.setenv("DEBUG_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG_X='maybe' is not a boolean"):
        tracker_settings.env_bool("DEBUG_X")


def test_env_int_refuses_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N='ten' is not a whole number"):
        tracker_settings.env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="must be at least 0"):
        tracker_settings.env_int("N", 1, minimum=0)


def test_database_url_parses_postgres_and_sqlite():
    pg = tracker_settings.database_from_url("postgres://u:p%40ss@db.example:6543/tracker")
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "tracker",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert tracker_settings.database_from_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x/y", "is not supported"),
        ("postgres://host:5432/", "names no database"),
        ("postgres://host:port/db", "malformed port"),
    ],
)
def test_database_url_refuses_what_it_cannot_use(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        tracker_settings.database_from_url(url)


def test_env_url_refuses_an_unexpected_scheme(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "http://localhost")
    with pytest.raises(ImproperlyConfigured, match="expected one of redis"):
        tracker_settings.env_url("CELERY_BROKER_URL", schemes=("redis",))
