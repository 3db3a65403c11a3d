"""Tokens, 签到码 and the geofence transform: pure functions, checked against exact values."""

from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.test import override_settings

from yanxun.training import checkin
from yanxun.training.checkin import CheckInRefused, Refusal
from yanxun.training.geo import Point, haversine_m, wgs84_to_gcj02
from yanxun.training.models import TrainingPolicy

ISSUED = datetime.fromisoformat("2026-03-05T08:50:00+08:00")


def _policy(**overrides) -> TrainingPolicy:
    return TrainingPolicy(**{"token_seconds": 15, "login_grace_minutes": 10, **overrides})


def test_token_carries_session_and_issue_time():
    raw = checkin.token_issue(42, at=ISSUED)
    token = checkin.token_read(raw)
    assert (token.session_id, token.issued, token.raw) == (42, int(ISSUED.timestamp()), raw)
    assert raw.startswith(f"42.{int(ISSUED.timestamp())}:")


@pytest.mark.parametrize(("seconds", "accepted"), [(0, True), (15, True), (16, False),
                                                   (-5, True), (-6, False)])
def test_token_accepted_within_token_seconds_of_issue(seconds, accepted):
    raw = checkin.token_issue(42, at=ISSUED)
    now = ISSUED + timedelta(seconds=seconds)
    if accepted:
        assert checkin.token_accept(raw, now=now, policy=_policy()).session_id == 42
    else:
        with pytest.raises(CheckInRefused) as refused:
            checkin.token_accept(raw, now=now, policy=_policy())
        assert refused.value.reason == Refusal.EXPIRED
        assert refused.value.message == ("二维码已过期（每个二维码 15 秒内有效）。"
                                         "请重新扫描签到屏幕上最新的二维码。")


def test_token_seconds_is_the_policy_setting():
    raw = checkin.token_issue(42, at=ISSUED)
    now = ISSUED + timedelta(seconds=25)
    assert checkin.token_accept(raw, now=now, policy=_policy(token_seconds=30)).issued == int(
        ISSUED.timestamp())


def _forgeries() -> dict[str, str]:
    raw = checkin.token_issue(42, at=ISSUED)
    value, signature = raw.rsplit(":", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "altered session": raw.replace("42.", "43.", 1),
        "altered time": value[:-1] + str((int(value[-1]) + 1) % 10) + ":" + signature,
        "bad signature": f"{value}:{flipped}",
        "no signature": value,
        "other salt": signing.Signer(salt="something.else").sign(value),
        "garbage": "hello",
    }


@pytest.mark.parametrize("kind", list(_forgeries()))
def test_forged_or_altered_token_is_refused(kind):
    with pytest.raises(CheckInRefused) as refused:
        checkin.token_accept(_forgeries()[kind], now=ISSUED, policy=_policy())
    assert refused.value.reason == Refusal.FORGED


def test_token_signed_with_another_secret_key_is_refused():
    with override_settings(SECRET_KEY="another-deployment-secret-key-0123456789"):
        raw = checkin.token_issue(42, at=ISSUED)
    with pytest.raises(CheckInRefused) as refused:
        checkin.token_read(raw)
    assert refused.value.reason == Refusal.FORGED


def test_code_is_six_digits_derived_from_the_token_and_rotates():
    first = checkin.token_issue(42, at=ISSUED)
    again = checkin.token_issue(42, at=ISSUED)
    later = checkin.token_issue(42, at=ISSUED + timedelta(seconds=5))
    other = checkin.token_issue(43, at=ISSUED)
    codes = [checkin.code_for(t) for t in (first, again, later, other)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert codes[0] == codes[1]
    assert len({codes[0], codes[2], codes[3]}) == 3


def test_code_matches_its_session_within_token_seconds_only():
    code = checkin.code_for(checkin.token_issue(42, at=ISSUED))
    found = checkin.code_token(42, code, now=ISSUED + timedelta(seconds=15), seconds=15)
    assert (found.session_id, found.issued) == (42, int(ISSUED.timestamp()))
    assert checkin.code_token(42, code, now=ISSUED + timedelta(seconds=16), seconds=15) is None
    assert checkin.code_token(43, code, now=ISSUED, seconds=15) is None


@override_settings(PUBLIC_URL="http://192.168.1.20:8000")
def test_qr_url_is_under_the_public_address():
    raw = checkin.token_issue(42, at=ISSUED)
    assert checkin.checkin_url(raw) == f"http://192.168.1.20:8000/training/c/{raw}/"


# --- geofence: the published WGS-84 → GCJ-02 reference points ---------------------------


def test_wgs84_to_gcj02_matches_coordtransform_reference_point():
    # wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915) (lng, lat) gives
    # [116.41024449916938, 39.91640428150164]  (https://github.com/wandergis/coordtransform)
    gcj = wgs84_to_gcj02(Point(lat=39.915, lng=116.404))
    assert gcj.lng == pytest.approx(116.41024449916938, abs=1e-12)
    assert gcj.lat == pytest.approx(39.91640428150164, abs=1e-12)


def test_wgs84_to_gcj02_matches_gcoord_reference_point():
    # hujiulong/gcoord, test/unit/crs/WGS84.spec.ts: WGS84 [123, 45] -> GCJ02
    # [123.00607541, 45.00197815] (to 5 decimals in that test; here to 8)
    gcj = wgs84_to_gcj02(Point(lat=45.0, lng=123.0))
    assert gcj.lng == pytest.approx(123.00607541, abs=1e-8)
    assert gcj.lat == pytest.approx(45.00197815, abs=1e-8)


def test_outside_china_the_transform_is_the_identity():
    assert wgs84_to_gcj02(Point(lat=45.0, lng=183.0)) == Point(lat=45.0, lng=183.0)
    assert wgs84_to_gcj02(Point(lat=51.5, lng=-0.12)) == Point(lat=51.5, lng=-0.12)


def test_haversine_distances():
    # One degree of latitude on the mean-radius sphere: 6371008.8 m × π / 180.
    assert haversine_m(Point(30, 120), Point(31, 120)) == pytest.approx(111195.08, abs=0.01)
    assert haversine_m(Point(30, 120), Point(30, 120)) == 0.0
    # The WGS-84/GCJ-02 shift at the coordtransform point is about 555 m.
    shift = haversine_m(Point(39.915, 116.404), wgs84_to_gcj02(Point(39.915, 116.404)))
    assert shift == pytest.approx(554.98, abs=0.01)
