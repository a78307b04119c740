"""Deliver the outbox over SMTP, or to .eml files in development, with retries and backoff.

Delivery is at least once, never at most once. A run first claims a message: a
conditional UPDATE (``claimed_at`` set WHERE the message is pending, due and unclaimed),
committed at once, which of several runs at the same moment exactly one wins, on SQLite
and PostgreSQL alike. It then sends the message and marks it sent, releasing the claim,
in the commit that follows. If the process dies, or the database fails, between the SMTP
server accepting a message and that commit, the message stays claimed; once the claim is
older than CLAIM_TIMEOUT a later run takes it and sends it again. The copy carries the
same Message-ID (stored on the row when the message is queued, and the Date comes from
the row too), so mail systems that drop duplicates by Message-ID show it once; in file
mode the copy overwrites the same file. The opposite order (commit first, then send)
would lose the message on a crash.

A message is never dropped silently: it stays pending until delivered or, after
MAX_ATTEMPTS failed attempts (about two days with the backoff below), becomes FAILED with
its last error kept. When the server cannot be reached or refuses the session, the run
charges the failure to the message it was sending and stops: the other messages stay
pending, untouched, instead of each waiting out the connection timeout.
"""

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import current_app
from icalendar import Calendar
from sqlalchemy import or_, select, update

from portal.documents.models import StoredFile
from portal.documents.store import read_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.html import html_document
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.workflow import rows_changed

MAX_ATTEMPTS = 16
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
SMTP_TIMEOUT_SECONDS = 30
# Far longer than one message can take (each SMTP step times out after 30 s).
CLAIM_TIMEOUT = timedelta(minutes=15)
CALENDAR = "text/calendar"


class ServerUnavailable(Exception):
    """The SMTP server could not be reached, or refused the session: stop this run."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, at most six hours."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def build_email(message: OutboxMessage) -> EmailMessage:
    """The MIME message: the plain text, its HTML twin, and any calendar invitation as RFC
    6047 describes, inside one multipart/alternative; other files as attachments.

    A calendar attachment (text/calendar in the outbox) becomes a ``text/calendar;
    method=<the file's METHOD>; charset=UTF-8`` alternative, which is what Outlook, Gmail and
    Apple Mail show as an invitation and apply as a move or cancellation, and is attached
    as a file too (``application/ics``, as calendar services send it) for clients that only
    offer attachments.
    """
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    # RFC 3834: machine-sent, so vacation responders and other robots do not answer it.
    email["Auto-Submitted"] = "auto-generated"
    # An answer reaches the people at the department, not the unattended sending address.
    if config["DEPARTMENT_EMAIL"]:
        email["Reply-To"] = config["DEPARTMENT_EMAIL"]
    email.set_content(message.body_text)
    email.add_alternative(
        html_document(
            message.body_text,
            subject=message.subject,
            department=config["PORTAL_DEPARTMENT"],
            lang=config["BABEL_DEFAULT_LOCALE"],
        ),
        subtype="html",
    )
    files = [(attachment, _stored_bytes(attachment)) for attachment in message.attachments or []]
    for attachment, data in files:
        if attachment["content_type"] == CALENDAR:
            email.add_alternative(
                data.decode("utf-8"), subtype="calendar", params={"method": calendar_method(data)}
            )
    for attachment, data in files:
        maintype, subtype = attachment["content_type"].split("/", 1)
        if attachment["content_type"] == CALENDAR:
            maintype, subtype = "application", "ics"
        email.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=attachment["filename"]
        )
    return email


def calendar_method(data: bytes) -> str:
    """The iTIP METHOD inside a calendar file (REQUEST, CANCEL, PUBLISH...), which RFC 6047
    §2.4 requires the MIME part to repeat."""
    method = Calendar.from_ical(data).get("METHOD")
    if not method:
        raise ValueError("a calendar sent by email must say its METHOD")
    return str(method).upper()


def _stored_bytes(attachment: dict) -> bytes:
    stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == attachment["sha256"]))
    if stored is None:
        raise LookupError(f"attachment {attachment['filename']} is not in the document store")
    return read_bytes(stored)


def eml_filename(message_id: str) -> str:
    # Named by Message-ID: a second delivery rewrites the same file instead of adding one.
    return message_id.strip("<>").replace("@", "_at_").replace("/", "_") + ".eml"


class _Mailer:
    """Writes .eml files when MAIL_SERVER is empty; otherwise one SMTP session per run,
    opened when the first message needs it."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if not self.config["MAIL_SERVER"]:
            folder = Path(self.config["MAIL_FILE_DIR"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / eml_filename(email["Message-ID"])).write_bytes(bytes(email))
            return
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(email)
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            raise ServerUnavailable(_describe(error)) from error
        except smtplib.SMTPException:
            # The server refused this message (smtplib reset the session): the rest may go.
            raise
        except OSError as error:
            self.close()
            raise ServerUnavailable(_describe(error)) from error

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS
            )
        except (OSError, smtplib.SMTPException) as error:
            raise ServerUnavailable(_describe(error)) from error
        try:
            if config["MAIL_USE_TLS"]:
                # Without a context smtplib encrypts but does not check the server's certificate.
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            smtp.close()
            raise ServerUnavailable(_describe(error)) from error
        return smtp

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
        self.smtp = None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_failure(message: OutboxMessage, error: BaseException) -> None:
    message.last_error = str(error) if isinstance(error, ServerUnavailable) else _describe(error)
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)


def _due(now) -> tuple:
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(
            OutboxMessage.claimed_at.is_(None),
            OutboxMessage.claimed_at < now - CLAIM_TIMEOUT,
        ),
    )


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the message for this run, or None when another run has it or sent it.

    The conditional UPDATE is the whole decision: of runs claiming at once one changes
    the row; on PostgreSQL the others wait for its commit and then match nothing, on
    SQLite they wait for the write lock and then match nothing. Committed at once, so the
    claim is seen while the message is being sent.
    """
    now = utcnow()
    claimed = rows_changed(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, *_due(now))
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.get(OutboxMessage, message_id) if claimed == 1 else None


def _deliver(mailer: _Mailer, message: OutboxMessage) -> bool:
    """Send one claimed message and record the outcome (no commit). Returns whether it was
    sent; ServerUnavailable propagates, with the failure recorded, so a batch stops."""
    message.claimed_at = None
    try:
        mailer.send(build_email(message))
    except ServerUnavailable as error:
        _record_failure(message, error)
        raise
    except Exception as error:  # noqa: BLE001 - one bad message must not block the rest
        _record_failure(message, error)
        return False
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.last_error = ""
    return True


def send_due(limit: int = 100) -> tuple[int, int]:
    """Send messages that are due; return (sent, failed). Each message commits on its own,
    and a message another run has claimed is left to it."""
    sent = failed = 0
    ids = db.session.scalars(
        select(OutboxMessage.id).where(*_due(utcnow())).order_by(OutboxMessage.id).limit(limit)
    ).all()
    mailer = _Mailer(current_app.config)
    try:
        for message_id in ids:
            message = _claim(message_id)
            if message is None:
                continue
            try:
                delivered = _deliver(mailer, message)
            except ServerUnavailable:
                db.session.commit()
                failed += 1
                break
            sent, failed = sent + delivered, failed + (not delivered)
            db.session.commit()
    finally:
        mailer.close()
    return sent, failed


def send_message(message_id: str) -> bool:
    """Send the message with this Message-ID if it is due (the job queued after the commit
    that wrote it). Returns whether it was sent now; a message already sent, claimed by
    another sender or waiting for its next attempt is left alone, so running this twice
    sends once. A failure is recorded on the message, whose backoff the outbox keeps."""
    row_id = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.message_id == message_id)
    )
    message = _claim(row_id) if row_id is not None else None
    if message is None:
        return False
    mailer = _Mailer(current_app.config)
    try:
        delivered = _deliver(mailer, message)
    except ServerUnavailable:
        delivered = False
    finally:
        db.session.commit()
        mailer.close()
    return delivered
