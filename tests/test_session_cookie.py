"""The session cookie is checked in full once per process (portal/http_caching.py): what a
browser sends afterwards must be held to the same rules as the first time."""

from datetime import timedelta

from portal import http_caching


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_checked_once_still_expires(app, owner_client, monkeypatch):
    assert owner_client.get("/permits/claim").status_code == 200
    lifetime = app.permanent_session_lifetime + timedelta(seconds=5)
    later = http_caching.time.time() + lifetime.total_seconds()
    monkeypatch.setattr(http_caching.time, "time", lambda: later)
    response = owner_client.get("/permits/claim")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_changed_cookie_is_checked_again_and_refused(app, owner_client):
    assert owner_client.get("/permits/claim").status_code == 200
    cookie = _session_cookie(owner_client)
    last = "A" if cookie[-1] != "A" else "B"
    owner_client.set_cookie("session", cookie[:-1] + last)
    response = owner_client.get("/permits/claim")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_each_request_gets_its_own_copy_of_a_known_cookie(app, owner_client):
    owner_client.get("/permits/claim")
    cookie = _session_cookie(owner_client)
    interface = app.session_interface
    sessions = []
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as ctx:
            sessions.append(interface.open_session(app, ctx.request))
    sessions[0]["_flashes"] = [("info", "only this request")]
    sessions[0]["_user_id"] = "someone else"
    assert "_flashes" not in sessions[1]
    assert sessions[1]["_user_id"] != "someone else"
    assert sessions[0] is not sessions[1]


def test_a_cookie_signed_with_another_key_is_refused_even_when_known(app, owner_client):
    owner_client.get("/permits/claim")
    key = app.secret_key
    try:
        app.secret_key = "another-secret-key-" + "y" * 32
        response = owner_client.get("/permits/claim")
    finally:
        app.secret_key = key
    assert response.status_code == 302
