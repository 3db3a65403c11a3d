"""Coordinates for the check-in geofence.

A geofence centre is entered as Chinese maps (高德, 腾讯, 百度's GCJ-02 mode) give it: in GCJ-02,
the obfuscated datum Chinese law requires of published maps. A browser's Geolocation API reports
WGS-84. Before comparing, the browser's position is moved into GCJ-02 with the transform below,
then the distance is the haversine great-circle distance.

The WGS-84 → GCJ-02 transform is the one published and widely documented since about 2012 (it
is not an official standard, but it reproduces the offsets of Chinese map providers to within
about a metre): see the description and formula in
https://en.wikipedia.org/wiki/Restrictions_on_geographic_data_in_China (section "GCJ-02") and
the write-up that accompanies the open implementations, e.g.
https://github.com/googollee/eviltransform (README, "Algorithm Sources").

The formula, written out here from that description:
  x = λ − 105, y = φ − 35 (degrees), on the Krasovsky 1940 ellipsoid (a = 6 378 245 m,
  e² = 0.00669342162296594323);
  Δy (metres-like) = −100 + 2x + 3y + 0.2y² + 0.1xy + 0.2√|x| + H(x) + (2/3)(20 sin πy +
      40 sin πy/3) + (2/3)(160 sin πy/12 + 320 sin πy/30)
  Δx = 300 + x + 2y + 0.1x² + 0.1xy + 0.1√|x| + H(x) + (2/3)(20 sin πx + 40 sin πx/3) +
      (2/3)(150 sin πx/12 + 300 sin πx/30)
  with H(x) = (2/3)(20 sin 6πx + 20 sin 2πx);
  then Δφ = Δy·180 / (π·M) and Δλ = Δx·180 / (π·N·cos φ), where M = a(1 − e²)/W³ and
  N = a/W are the meridian and prime-vertical radii of curvature, W = √(1 − e² sin² φ).
Outside a rough box around China the transform is the identity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KRASOVSKY_A = 6378245.0
KRASOVSKY_E2 = 0.00669342162296594323
EARTH_MEAN_RADIUS_M = 6371008.8  # IUGG mean radius, for haversine distances
# The box outside which GCJ-02 equals WGS-84 (the published implementations use this one).
CHINA_LNG = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


def in_china_box(point: Point) -> bool:
    return CHINA_LNG[0] <= point.lng <= CHINA_LNG[1] and CHINA_LAT[0] <= point.lat <= CHINA_LAT[1]


def _shared_wave(x: float) -> float:
    return 2.0 / 3.0 * (20.0 * math.sin(6.0 * math.pi * x) + 20.0 * math.sin(2.0 * math.pi * x))


def _offset_north(x: float, y: float) -> float:
    """Δy of the formula: the northward offset before scaling to degrees."""
    polynomial = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    waves = (20.0 * math.sin(math.pi * y) + 40.0 * math.sin(math.pi * y / 3.0)
             + 160.0 * math.sin(math.pi * y / 12.0) + 320.0 * math.sin(math.pi * y / 30.0))
    return polynomial + _shared_wave(x) + 2.0 / 3.0 * waves


def _offset_east(x: float, y: float) -> float:
    """Δx of the formula: the eastward offset before scaling to degrees."""
    polynomial = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    waves = (20.0 * math.sin(math.pi * x) + 40.0 * math.sin(math.pi * x / 3.0)
             + 150.0 * math.sin(math.pi * x / 12.0) + 300.0 * math.sin(math.pi * x / 30.0))
    return polynomial + _shared_wave(x) + 2.0 / 3.0 * waves


def wgs84_to_gcj02(point: Point) -> Point:
    """A WGS-84 position (as a browser reports it) in GCJ-02 (as Chinese maps draw it)."""
    if not in_china_box(point):
        return point
    x, y = point.lng - 105.0, point.lat - 35.0
    phi = math.radians(point.lat)
    w = math.sqrt(1.0 - KRASOVSKY_E2 * math.sin(phi) ** 2)
    meridian = KRASOVSKY_A * (1.0 - KRASOVSKY_E2) / w ** 3
    prime_vertical = KRASOVSKY_A / w
    d_lat = _offset_north(x, y) * 180.0 / (math.pi * meridian)
    d_lng = _offset_east(x, y) * 180.0 / (math.pi * prime_vertical * math.cos(phi))
    return Point(point.lat + d_lat, point.lng + d_lng)


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres on a sphere of the Earth's mean radius."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    d_phi, d_lambda = phi2 - phi1, math.radians(b.lng - a.lng)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_to_centre_m(browser_wgs84: Point, centre_gcj02: Point) -> float:
    """How far a browser's position is from a geofence centre given in GCJ-02."""
    return haversine_m(wgs84_to_gcj02(browser_wgs84), centre_gcj02)
