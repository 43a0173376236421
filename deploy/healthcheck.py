"""Docker health check for the web container: GET /healthz on gunicorn, exit 0 when it answers.

Sends the first ALLOWED_HOSTS name as Host, since Django refuses any other host.
"""

import os
import sys
import urllib.request

hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = (hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost") or "localhost"
path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
port = os.environ.get("PORT", "8000")
request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - fixed local URL
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001
    print(f"healthcheck {path}: {exc}", file=sys.stderr)
    sys.exit(1)
