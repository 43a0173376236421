"""Photo uploads under attack: five 7,745×7,745 PNGs (the shape of issue 13, item 6).

Measures, in child processes so each gets a fresh peak RSS, (a) the reference: Pillow decoding
one such PNG, which is what every photo cost before the pixel limit (twice: verify, then load),
and (b) `flights.images.validate_and_strip` on all five, which now refuses them from the header.
Reports wall time and peak RSS, median and spread of REPEATS runs, and the ratio to the
reference measured in the same run.

    .venv/bin/python benchmarks/photos.py
"""

import io
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REPEATS = 5
CHILD = r"""
import io, json, resource, sys, time, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
import django
django.setup()
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.exceptions import ValidationError
from flights.images import validate_and_strip
data = open(sys.argv[2], "rb").read()
started = time.perf_counter()
if sys.argv[1] == "reference":
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(io.BytesIO(data)) as image:
        image.load()
else:
    for n in range(5):
        try:
            validate_and_strip(SimpleUploadedFile(f"p{n}.png", data, "image/png"))
        except ValidationError:
            pass
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak}))
"""


def run(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from PIL import Image

    path = Path("/tmp/bench-photo-7745.png")
    if not path.exists():
        buffer = io.BytesIO()
        Image.new("RGB", (7745, 7745), "white").save(buffer, "PNG", compress_level=9)
        path.write_bytes(buffer.getvalue())
    print(f"file: {path.stat().st_size / 1024:.0f} KB, 7745x7745, load {os.getloadavg()[0]:.2f}")
    results: dict[str, list[dict]] = {"reference": [], "now": []}
    for _ in range(REPEATS):
        for kind in results:
            results[kind].append(run(kind, path))
    for kind, runs in results.items():
        seconds = [r["seconds"] for r in runs]
        peaks = [r["peak_mb"] for r in runs]
        print(
            f"{kind:9} time median {statistics.median(seconds):.3f} s "
            f"(min {min(seconds):.3f}, max {max(seconds):.3f}); "
            f"peak RSS median {statistics.median(peaks):.0f} MB "
            f"(min {min(peaks):.0f}, max {max(peaks):.0f})"
        )
    ratio = statistics.median(r["seconds"] for r in results["now"]) / statistics.median(
        r["seconds"] for r in results["reference"]
    )
    print(f"five photos now / one reference decode: {ratio:.4f} of the time")


if __name__ == "__main__":
    main()
