"""Great-circle geometry, kept free of Django so charts and models share it."""

import math

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def great_circle_points(
    lat1: float, lon1: float, lat2: float, lon2: float, steps: int = 24
) -> list[tuple[float, float]]:
    """Points (lat, lon) along the great circle, for drawing a leg as a curve on a map."""
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    d = 2 * math.asin(
        math.sqrt(
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
        )
    )
    if d == 0:
        return [(lat1, lon1), (lat2, lon2)]
    points = []
    # The ends' unit vectors, once per arc rather than per point.
    x1, y1, z1 = math.cos(p1) * math.cos(l1), math.cos(p1) * math.sin(l1), math.sin(p1)
    x2, y2, z2 = math.cos(p2) * math.cos(l2), math.cos(p2) * math.sin(l2), math.sin(p2)
    sin_d = math.sin(d)
    for i in range(steps + 1):
        f = i / steps
        a = math.sin((1 - f) * d) / sin_d
        b = math.sin(f * d) / sin_d
        x, y, z = a * x1 + b * x2, a * y1 + b * y2, a * z1 + b * z2
        points.append(
            (math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x)))
        )
    return points
