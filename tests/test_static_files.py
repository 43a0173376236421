"""Static files: the partial Plotly bundle, served compressed, and what a phone downloads.

The last two tests run the shipped gunicorn settings with DEBUG off against the test database,
after `collectstatic` into a temporary STATIC_ROOT: what a deployment serves, WhiteNoise and
its Brotli/gzip variants included (the test server of pytest-django serves static files itself,
uncompressed, so it cannot tell).
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import plotly
import pytest
from django.contrib.staticfiles import finders
from django.db import connection

from tests.factories import make_flight

REPO = Path(__file__).resolve().parent.parent
BUNDLE = "vendor/plotly-partial/plotly-partial.min.js"
PHONE_BUDGET_BYTES = 700_000


def _version(js: str) -> str:
    return re.search(r'version="(\d+\.\d+\.\d+)"', js[:5_000_000]).group(1)


def test_the_bundle_is_the_plotly_js_the_python_package_draws_for():
    bundle = Path(finders.find(BUNDLE)).read_text()
    package = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    assert _version(bundle) == re.search(r"plotly\.js v(\d+\.\d+\.\d+)", package).group(1)
    assert len(bundle) < 1_600_000 < 4_000_000 < len(package)


def test_the_page_pre_empts_every_inline_style_the_bundle_would_inject():
    bundle = Path(finders.find(BUNDLE)).read_text()
    injected = set(re.findall(r'document\.getElementById\("([0-9a-f]{64})"\)', bundle))
    scripts = (REPO / "templates/flights/dashboard/scripts.html").read_text()
    assert all(f'<template id="{i}">' in scripts for i in injected)
    # Without tile-map traces no hashed MapLibre stylesheet is left; Plotly's own is a file.
    assert '"plotly.js-style-"' in bundle
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in scripts


def test_the_bundle_registers_exactly_the_traces_the_charts_draw():
    entry = (REPO / "tools/plotly-bundle/entry.js").read_text()
    assert re.findall(r'require\("plotly\.js/lib/(\w+)"\)', entry) == [
        "core",
        "bar",
        "scattergeo",
        "choropleth",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(static_root: Path, port: int) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "STATIC_ROOT": str(static_root),
        "PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "SECURE_SSL_REDIRECT": "0",
    }


@pytest.fixture
def production_server(tmp_path):
    """gunicorn with deploy/gunicorn.conf.py and DEBUG off, static files collected; its URL."""
    port = _free_port()
    env = _environment(tmp_path / "static", port)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "tracker.wsgi"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)  # noqa: S310 - our server
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def _get(url: str, encoding: str):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.headers, response.read()


def _bundle_url(server: str) -> str:
    page = urllib.request.urlopen(f"{server}/dashboard/", timeout=10).read().decode()  # noqa: S310
    return server + re.search(r'src="(/static/vendor/plotly-partial/[^"]+)"', page).group(1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_static_files_are_served_with_brotli_or_gzip(reference_data, production_server):
    make_flight()
    url = _bundle_url(production_server)
    plain_headers, plain = _get(url, "identity")
    br_headers, br = _get(url, "br")
    gz_headers, gz = _get(url, "gzip")
    assert "Content-Encoding" not in plain_headers
    assert br_headers["Content-Encoding"] == "br" and gz_headers["Content-Encoding"] == "gzip"
    assert len(br) < len(gz) < len(plain) / 2.5
    assert "max-age=315360000" in br_headers["Cache-Control"]  # hashed name: cached for good


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_first_phone_visit_to_the_overview_transfers_at_most_700_kb(
    reference_data, production_server, browser
):
    for i in range(6):
        make_flight(route=(("KAEX", "MGGT"), ("KHRL", "MHLM"))[i % 2])
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    transferred: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    try:
        page.goto(f"{production_server}/dashboard/", wait_until="networkidle")
        page.wait_for_function(
            "document.querySelectorAll('.chart-plot.chart-ready').length >= 1", timeout=20_000
        )
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    total = sum(transferred.values())
    listing = sorted((n, urls.get(r, r)) for r, n in transferred.items())
    print(f"first visit: {total:,} bytes over {len(transferred)} requests: {listing}")
    assert any(BUNDLE.split("/")[-1].split(".")[0] in u for _, u in listing)
    assert total <= PHONE_BUDGET_BYTES, listing
