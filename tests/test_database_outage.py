"""A database that cannot be reached (PostgreSQL restarting, a fail-over, a full pool) gets a
503 "try again" page with Retry-After, never the 500 page; other database errors still do."""

import sqlite3
from importlib import import_module
from pathlib import Path

import psycopg
import pytest
from flask_wtf import FlaskForm
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError
from wtforms import PasswordField
from wtforms.fields.core import UnboundField

from portal import error_pages
from portal.auth import services as auth_services
from portal.auth import session as login_session
from portal.permits import services
from tests.factories import make_user, sign_in_as
from tests.support.pages import check_page, form_fields

PORTAL = Path(error_pages.__file__).parent
FORM_MODULES = sorted(
    ".".join(path.relative_to(PORTAL.parent).with_suffix("").parts)
    for path in PORTAL.rglob("*forms.py")
)
CLAIM = {"permit_number": "BP-1", "access_code": "ABCD-EFGH"}

REFUSED = OperationalError(
    "SELECT ...", {}, psycopg.OperationalError("connection failed: Connection refused")
)
DROPPED = OperationalError(
    "SELECT ...",
    {},
    psycopg.OperationalError("server closed the connection unexpectedly"),
    connection_invalidated=True,
)
SHUTTING_DOWN = OperationalError(
    "SELECT ...", {}, psycopg.errors.AdminShutdown("terminating connection")
)
CLOSED = InterfaceError("SELECT ...", {}, psycopg.InterfaceError("the connection is closed"))
POOL_EMPTY = PoolTimeout("QueuePool limit of size 5 overflow 10 reached")


def _raising(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize(
    "error",
    [REFUSED, DROPPED, SHUTTING_DOWN, CLOSED, POOL_EMPTY],
    ids=["refused", "dropped", "shutting-down", "closed", "pool-timeout"],
)
def test_a_form_sent_while_the_database_is_away_gets_a_try_again_page(client, monkeypatch, error):
    sign_in_as(client, make_user())
    monkeypatch.setattr(services, "claim_permit", _raising(error))
    response = client.post("/permits/claim", data=CLAIM)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    check_page(response.data)
    assert b"nothing was saved" in response.data
    # Try again sends what was typed again, to the same address.
    retry = form_fields(response.data, "/permits/claim")
    assert retry["permit_number"] == "BP-1"
    assert retry["access_code"] == "ABCD-EFGH"
    assert retry["csrf_token"]


def test_the_page_is_drawn_without_the_database_when_the_user_loader_fails(client, monkeypatch):
    sign_in_as(client, make_user())
    calls = []

    def unreachable(token):
        calls.append(token)
        raise REFUSED

    monkeypatch.setattr(login_session, "_active", unreachable)
    response = client.get("/permits/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    check_page(response.data)
    # Asked once by the request; the error page and the after-request steps do not ask again.
    assert len(calls) == 1
    # A GET is tried again by following the same address.
    assert b'href="/permits/"' in response.data


def test_passwords_and_files_are_not_sent_back(client, monkeypatch):
    monkeypatch.setattr(auth_services, "register", _raising(DROPPED))
    response = client.post(
        "/account/register",
        data={
            "name": "Rosa Diaz",
            "email": "rosa@example.com",
            "phone": "312-555-0100",
            "password": "a long secret phrase",
            "confirm": "a long secret phrase",
        },
    )
    assert response.status_code == 503
    assert b"a long secret phrase" not in response.data
    retry = form_fields(response.data, "/account/register")
    assert (retry["name"], retry["email"]) == ("Rosa Diaz", "rosa@example.com")
    assert b"Passwords and files are not kept" in response.data


def test_every_password_field_is_one_the_page_leaves_out():
    for module in FORM_MODULES:
        import_module(module)
    names = set()
    classes = list(FlaskForm.__subclasses__())
    while classes:
        form = classes.pop()
        classes.extend(form.__subclasses__())
        for name in dir(form):
            field = getattr(form, name)
            if isinstance(field, UnboundField) and issubclass(field.field_class, PasswordField):
                names.add(name)
    assert names
    assert names <= error_pages.NOT_SENT_BACK


@pytest.mark.parametrize(
    "orig",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
    ],
    ids=["deadlock", "statement-timeout"],
)
def test_errors_of_a_reachable_database_are_not_called_unreachable(client, monkeypatch, orig):
    sign_in_as(client, make_user())
    error = OperationalError("UPDATE ...", {}, orig)
    monkeypatch.setattr(services, "claim_permit", _raising(error))
    with pytest.raises(OperationalError):
        client.post("/permits/claim", data=CLAIM)


def test_an_unreachable_database_met_after_the_view_gets_the_same_page(app):
    # An after-request step that fails reaches Flask's 500 handler, wrapped.
    with app.test_request_context("/permits/", method="POST"):
        page, code, headers = error_pages.server_error(
            InternalServerError(original_exception=DROPPED)
        )
    assert code == 503
    assert headers["Retry-After"] == "30"
    assert "nothing was saved" in page


def test_the_busy_page_asks_to_come_back_in_seconds(client, monkeypatch):
    locked = OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))
    monkeypatch.setattr(services, "claim_permit", _raising(locked))
    sign_in_as(client, make_user())
    response = client.post("/permits/claim", data=CLAIM)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert b"Nothing was changed" in response.data
