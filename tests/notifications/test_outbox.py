"""The transactional outbox: queued with the change that causes it, delivered by
`flask outbox send` at least once, retried with backoff, and never lost."""

import smtplib
import ssl
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

from portal.auth.models import User
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.notifications.delivery import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    backoff,
    eml_filename,
    send_due,
)
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.notifications.services import queue_email
from tests.support.files import PDF
from tests.support.mail import messages, queue, send
from tests.support.race import race

# ---- queueing --------------------------------------------------------------------------------


def test_a_queued_email_is_written_by_the_callers_commit_or_not_at_all(app):
    with app.test_request_context():
        db.session.add(User(email="ghost@example.com", name="Ghost", password_hash="x"))
        queue_email(
            "ghost@example.com",
            "Welcome",
            "auth_password_changed",
            user={"name": "Ghost"},
            reset_link="https://portal.example.gov/reset",
        )
        db.session.rollback()
    assert messages() == []
    assert db.session.scalar(select(User).where(User.email == "ghost@example.com")) is None

    with app.test_request_context():
        db.session.add(User(email="ghost@example.com", name="Ghost", password_hash="x"))
        queue_email(
            "ghost@example.com",
            "Welcome",
            "auth_password_changed",
            user={"name": "Ghost"},
            reset_link="https://portal.example.gov/reset",
        )
        db.session.commit()
    [message] = messages()
    assert message.to_address == "ghost@example.com"
    assert message.subject == "Welcome"
    assert "Hello Ghost," in message.body_text
    assert "https://portal.example.gov/reset" in message.body_text
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.message_id.startswith("<")
    assert message.message_id.endswith("@example.gov>")


def test_a_subject_made_from_typed_text_stays_one_header_line(app, mail_dir):
    # A name typed with a line break must not inject a header or make the message unsendable.
    queue(subject="Eve\r\nBcc: everyone@example.com invited you to permit BP-1")
    [message] = messages()
    assert message.subject == "Eve Bcc: everyone@example.com invited you to permit BP-1"
    assert "sent 1, failed 0" in send(app)
    email = message_from_bytes(
        (mail_dir / eml_filename(message.message_id)).read_bytes(), policy=policy.default
    )
    assert email["Bcc"] is None


# ---- development: .eml files ------------------------------------------------------------------


def test_send_writes_each_message_to_a_file_named_by_its_message_id(app, mail_dir):
    stored = save_bytes(PDF, "application/pdf")
    db.session.commit()
    plain = queue("owner@example.com", "Your password was changed")
    with_pdf = queue(
        "staff@example.com",
        "Certificate issued",
        attachments=[
            {
                "filename": "certificate.pdf",
                "content_type": "application/pdf",
                "sha256": stored.sha256,
            }
        ],
    )

    assert "sent 2, failed 0" in send(app)

    files = sorted(path.name for path in mail_dir.iterdir())
    assert files == sorted([eml_filename(plain.message_id), eml_filename(with_pdf.message_id)])
    email = message_from_bytes(
        (mail_dir / eml_filename(with_pdf.message_id)).read_bytes(), policy=policy.default
    )
    assert email["From"] == app.config["MAIL_FROM"]
    assert email["To"] == "staff@example.com"
    assert email["Subject"] == "Certificate issued"
    assert email["Message-ID"] == with_pdf.message_id
    assert email["Date"]
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Olivia Owner," in body
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "certificate.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    for message in messages():
        assert message.status == OutboxStatus.SENT
        assert message.attempts == 1
        assert message.sent_at is not None


def test_sending_twice_sends_nothing_twice(app, mail_dir):
    message = queue()
    assert "sent 1, failed 0" in send(app)
    path = mail_dir / eml_filename(message.message_id)
    assert path.exists()
    path.unlink()

    assert "sent 0, failed 0" in send(app)

    assert not path.exists()
    assert list(mail_dir.iterdir()) == []
    [message] = messages()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1


def test_a_message_that_cannot_be_built_does_not_hold_up_the_others(app, mail_dir, clock):
    broken = queue(
        "owner@example.com",
        "Broken",
        attachments=[
            {"filename": "gone.pdf", "content_type": "application/pdf", "sha256": "0" * 64}
        ],
    )
    fine = queue("staff@example.com", "Fine")

    assert "sent 1, failed 1" in send(app)

    broken, fine = messages()
    assert fine.status == OutboxStatus.SENT
    assert broken.status == OutboxStatus.PENDING
    assert broken.attempts == 1
    assert "gone.pdf" in broken.last_error
    assert broken.next_attempt_at == clock.now + backoff(1)


# ---- SMTP --------------------------------------------------------------------------------------


def test_each_message_is_delivered_once_over_one_session(app, smtp):
    queued = [queue(f"person{n}@example.com", f"Message {n}") for n in range(3)]

    assert "sent 3, failed 0" in send(app)
    assert "sent 0, failed 0" in send(app)

    assert smtp.sessions == 1
    assert [m["Message-ID"] for m in smtp.delivered] == [m.message_id for m in queued]
    assert [m["To"] for m in smtp.delivered] == [f"person{n}@example.com" for n in range(3)]
    assert smtp.calls[-1] == ("quit",)
    assert all(m.status == OutboxStatus.SENT for m in messages())


@pytest.mark.parametrize(
    ("use_tls", "username", "expected"),
    [
        (True, "portal", ["connect", "starttls", "login", "send", "quit"]),
        (True, "", ["connect", "starttls", "send", "quit"]),
        (False, "portal", ["connect", "login", "send", "quit"]),
        (False, "", ["connect", "send", "quit"]),
    ],
)
def test_starttls_and_login_follow_the_configuration(app, smtp, use_tls, username, expected):
    app.config["MAIL_USE_TLS"] = use_tls
    app.config["MAIL_USERNAME"] = username
    queue()

    send(app)

    assert [call[0] for call in smtp.calls] == expected
    assert smtp.calls[0] == ("connect", "smtp.example.gov", 587)
    if username:
        assert ("login", "portal", "smtp-secret") in smtp.calls
    if use_tls:
        [context] = [call[1] for call in smtp.calls if call[0] == "starttls"]
        # The server's certificate and name are checked, not just encrypted to.
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


def test_when_smtp_is_down_no_message_is_lost(app, smtp, clock):
    smtp.refuse_connections = ConnectionRefusedError(111, "Connection refused")
    first, second, third = (queue(f"person{n}@example.com") for n in range(3))

    assert "sent 0, failed 1" in send(app)

    first, second, third = messages()
    assert [m.status for m in (first, second, third)] == [OutboxStatus.PENDING] * 3
    assert first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at == clock.now + backoff(1)
    # The run stopped at the unreachable server instead of timing out on every message.
    assert smtp.sessions == 1
    assert (second.attempts, third.attempts) == (0, 0)
    assert second.next_attempt_at <= clock.now

    smtp.refuse_connections = None
    clock.now += backoff(1)
    assert "sent 3, failed 0" in send(app)
    assert all(m.status == OutboxStatus.SENT for m in messages())
    assert len(smtp.delivered) == 3


def test_failures_back_off_then_give_up_after_max_attempts(app, smtp, clock):
    smtp.refuse_connections = smtplib.SMTPConnectError(421, b"Try again later")
    queue()

    for attempt in range(1, MAX_ATTEMPTS):
        assert "sent 0, failed 1" in send(app)
        [message] = messages()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == attempt
        assert message.next_attempt_at == clock.now + backoff(attempt)
        # Not due again before the backoff has passed.
        clock.now = message.next_attempt_at - timedelta(seconds=1)
        assert "sent 0, failed 0" in send(app)
        clock.now = message.next_attempt_at

    assert "sent 0, failed 1" in send(app)
    [message] = messages()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert "SMTPConnectError" in message.last_error

    connections = smtp.sessions
    clock.now += timedelta(days=30)
    smtp.refuse_connections = None
    assert "sent 0, failed 0" in send(app)
    assert smtp.sessions == connections
    minutes = [int(backoff(n).total_seconds() // 60) for n in range(1, 11)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]


def test_a_retry_sends_the_same_message_id_as_the_failed_attempt(app, smtp, clock):
    smtp.send_failures = [smtplib.SMTPServerDisconnected("Connection unexpectedly closed")]
    queue()

    assert "sent 0, failed 1" in send(app)
    [message] = messages()
    assert message.status == OutboxStatus.PENDING
    assert "SMTPServerDisconnected" in message.last_error

    clock.now = message.next_attempt_at
    assert "sent 1, failed 0" in send(app)

    attempts = [call[1] for call in smtp.calls if call[0] == "send"]
    assert attempts == [message.message_id, message.message_id]
    [delivered] = smtp.delivered
    assert delivered["Message-ID"] == message.message_id
    [message] = messages()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""


def test_a_refused_recipient_is_retried_alone_and_the_rest_are_sent(app, smtp, clock):
    smtp.refused_recipients = {"nobody@example.com"}
    queue("owner@example.com")
    queue("nobody@example.com")
    queue("staff@example.com")

    assert "sent 2, failed 1" in send(app)

    owner, nobody, staff = messages()
    assert (owner.status, staff.status) == (OutboxStatus.SENT, OutboxStatus.SENT)
    assert nobody.status == OutboxStatus.PENDING
    assert "SMTPRecipientsRefused" in nobody.last_error
    assert nobody.next_attempt_at == clock.now + backoff(1)
    assert smtp.sessions == 1


def test_a_message_another_sender_claimed_is_skipped_until_its_claim_is_old(app, smtp, clock):
    held, free = queue("held@example.com"), queue("free@example.com")
    # Another run claimed it a moment ago and is sending it now.
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == held.id).values(claimed_at=clock.now)
    )
    db.session.commit()
    assert "sent 1, failed 0" in send(app)
    held, free = messages()
    assert free.status == OutboxStatus.SENT
    assert (held.status, held.attempts) == (OutboxStatus.PENDING, 0)
    assert [m["To"] for m in smtp.delivered] == ["free@example.com"]

    # That run died before marking it sent: once its claim is old, the message goes again.
    clock.now += CLAIM_TIMEOUT - timedelta(seconds=1)
    assert "sent 0, failed 0" in send(app)
    clock.now += timedelta(seconds=2)
    assert "sent 1, failed 0" in send(app)
    [held, _] = messages()
    assert (held.status, held.claimed_at) == (OutboxStatus.SENT, None)
    assert [m["To"] for m in smtp.delivered] == ["free@example.com", "held@example.com"]


def test_three_senders_at_once_deliver_each_message_once(app, smtp):
    with app.test_request_context():
        for n in range(300):
            queue_email(
                f"person{n}@example.com",
                "Hello",
                "auth_password_changed",
                user={"name": "Olivia Owner"},
                reset_link="https://portal.example.gov/account/password/forgot",
            )
        db.session.commit()

    def sender(barrier):
        barrier.wait()
        sent, failed = send_due(limit=300)
        assert failed == 0
        return str(sent)

    outcomes = race(app, [sender] * 3)
    delivered = Counter(m["Message-ID"] for m in smtp.delivered)
    assert len(delivered) == 300
    assert set(delivered.values()) == {1}
    assert sum(int(sent) for sent in outcomes) == 300
    assert {m.status for m in messages()} == {OutboxStatus.SENT}


def test_nothing_is_sent_by_queueing_alone(app, smtp):
    queue()
    assert smtp.calls == []
    assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.PENDING
