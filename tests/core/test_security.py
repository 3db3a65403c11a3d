from django.test import Client


def test_every_response_carries_a_csp_with_no_third_party_origin(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'self'; script-src 'self';")
    assert "http" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_pages_need_login(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/"


def test_api_refuses_anonymous_in_chinese(db):
    response = Client().get("/api/accounts/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或登录已过期，请先登录。"}


def test_login_page_posts_with_csrf(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
