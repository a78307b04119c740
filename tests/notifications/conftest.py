"""A fake SMTP server, a settable clock for the delivery code, and a folder for mail files.
(Queueing, sending and reading back messages: tests/support/mail.py.)"""

import smtplib
from datetime import datetime, timedelta

import pytest

from portal.models import utcnow
from portal.notifications import delivery


class FakeServer:
    """What smtplib.SMTP talks to in these tests: it records every call, and fails as told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.delivered: list = []
        self.refuse_connections: Exception | None = None
        self.send_failures: list[Exception] = []  # raised by the next sends, in order
        self.refused_recipients: set[str] = set()

    @property
    def sessions(self) -> int:
        return sum(1 for call in self.calls if call[0] == "connect")

    def smtp_class(self):
        server = self

        class FakeSMTP:
            def __init__(self, host, port, timeout=None):
                server.calls.append(("connect", host, port))
                if server.refuse_connections is not None:
                    raise server.refuse_connections

            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                self.quit()

            def starttls(self, context=None):
                server.calls.append(("starttls", context))

            def login(self, user, password):
                server.calls.append(("login", user, password))

            def send_message(self, message):
                server.calls.append(("send", message["Message-ID"]))
                if server.send_failures:
                    raise server.send_failures.pop(0)
                if message["To"] in server.refused_recipients:
                    raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"No such user")})
                server.delivered.append(message)

            def quit(self):
                server.calls.append(("quit",))

            def close(self):
                server.calls.append(("close",))

        return FakeSMTP


@pytest.fixture
def smtp(app, monkeypatch) -> FakeServer:
    """MAIL_SERVER set, and smtplib.SMTP replaced by the fake."""
    server = FakeServer()
    monkeypatch.setattr(smtplib, "SMTP", server.smtp_class())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.gov")
    monkeypatch.setitem(app.config, "MAIL_PORT", 587)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "portal")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "smtp-secret")
    return server


class Clock:
    def __init__(self) -> None:
        # A little ahead of the wall clock, so what the test queues is already due.
        self.now = utcnow() + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The delivery code's idea of now, moved by the test."""
    clock = Clock()
    monkeypatch.setattr(delivery, "utcnow", clock)
    return clock


@pytest.fixture
def mail_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(folder))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    return folder
