"""Thinning a track to a few hundred points: Douglas–Peucker, each gap-free piece apart so the
gaps stay where they were (docs/adsb.md)."""

import math

MAX_POINTS = 300


def _dp(xs, ys, tol: float) -> list[int]:
    """Indices kept by Douglas–Peucker (iterative; perpendicular distance in degrees, longitude
    scaled by the cosine of the latitude)."""
    n = len(xs)
    if n <= 2:
        return list(range(n))
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        ax, ay, bx, by = xs[i], ys[i], xs[j], ys[j]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        worst, at = -1.0, -1
        for k in range(i + 1, j):
            if norm == 0:
                d = math.hypot(xs[k] - ax, ys[k] - ay)
            else:
                d = abs(dy * (xs[k] - ax) - dx * (ys[k] - ay)) / norm
            if d > worst:
                worst, at = d, k
        if worst > tol:
            keep[at] = True
            stack.append((i, at))
            stack.append((at, j))
    return [k for k in range(n) if keep[k]]


def thin_track(points, gap_s: float, max_points: int = MAX_POINTS) -> list[list]:
    """[[t, lat, lon, alt or None, gap-before 0/1], ...], at most `max_points` long."""
    pieces, current = [], []
    for q in points:
        if current and q.t - current[-1].t > gap_s:
            pieces.append(current)
            current = []
        current.append(q)
    if current:
        pieces.append(current)
    tol = 0.001  # about 100 m
    while True:
        out = []
        for n, piece in enumerate(pieces):
            scale = math.cos(math.radians(piece[0].lat))
            xs = [q.lon * scale for q in piece]
            ys = [q.lat for q in piece]
            for m, k in enumerate(_dp(xs, ys, tol)):
                q = piece[k]
                alt = None if q.alt is None else round(q.alt)
                out.append(
                    [round(q.t), round(q.lat, 5), round(q.lon, 5), alt, int(n > 0 and m == 0)]
                )
        if len(out) <= max_points:
            return out
        tol *= 2


class _Row:
    __slots__ = ("t", "lat", "lon", "alt", "gap")

    def __init__(self, row):
        self.t, self.lat, self.lon, self.alt, self.gap = row


def thin_track_rows(rows: list[list], max_points: int = MAX_POINTS) -> list[list]:
    """Thin an already stored track again (after joining two), keeping its gap marks."""
    if len(rows) <= max_points:
        return rows
    points = [_Row(r) for r in rows]
    pieces, current = [], []
    for q in points:
        if current and q.gap:
            pieces.append(current)
            current = []
        current.append(q)
    pieces.append(current)
    share = max(2, max_points // len(pieces))
    out = []
    for n, piece in enumerate(pieces):
        step = max(1, -(-len(piece) // share))
        kept = piece[::step]
        if kept[-1] is not piece[-1]:
            kept.append(piece[-1])
        out += [[q.t, q.lat, q.lon, q.alt, int(n > 0 and m == 0)] for m, q in enumerate(kept)]
    return out[: max_points + len(pieces)]
