"""Fixtures: one app per test session, a clean database for every test, a CSRF-aware client.

The database is SQLite in a temporary folder unless TEST_DATABASE_URL names PostgreSQL.
"""

import os
import secrets

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from portal import create_app
from portal.extensions import db, limiter


class PortalClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts, as a browser would."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def post(self, *args, **kwargs):
        data = kwargs.get("data")
        if isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portal")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{folder / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": url,
            "DOCUMENT_STORE_PATH": str(folder / "documents"),
            "MAIL_FILE_DIR": str(folder / "mail"),
            "MAIL_SERVER": "",
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = PortalClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def _wipe(app) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(app):
    with app.app_context():
        limiter.reset()
        yield
        db.session.remove()
        _wipe(app)


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()
