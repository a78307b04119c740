"""Queue email in the caller's transaction; once it commits, a job sends it (the
`outbox.deliver` task, portal/tasks.py), and the outbox sweep sends what that missed."""

import uuid
from email.utils import parseaddr

from flask import current_app, render_template, url_for

from portal import jobs, languages
from portal.extensions import db
from portal.notifications.models import OutboxMessage

SUBJECT_LENGTH = OutboxMessage.SUBJECT_LENGTH


def email_link(endpoint: str, **values) -> str:
    """An absolute link for an email.

    It uses the configured public address, never the request's Host header, which an
    attacker could set to send reset links pointing at their own site.
    """
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _message_id_domain() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "portal.local"


def queue_email(
    to_address: str,
    subject: str,
    template: str,
    *,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage:
    """Render ``templates/email/<template>.txt`` in the recipient's language (their
    account's, else English) and add it to the outbox (no commit here).

    The row is written by the caller's commit, with the change that caused it, or not at
    all. ``attachments`` are ``{"filename", "content_type", "sha256"}`` dicts naming files
    already in the document store, so the row stays small and the bytes immutable.
    """
    # In the recipient's language, whoever's request queues it: the subject is a lazy
    # translation until here, and the body and its dates are rendered now. Every email can
    # send the reader to the department's contact details.
    with languages.rendering_in(languages.for_address(to_address)):
        help_link = email_link("help.index", _anchor="contact")
        body = render_template(f"email/{template}.txt", help_link=help_link, **context)
        subject = str(subject)
    message = OutboxMessage(
        # Fixed now, so every delivery attempt of this message carries the same Message-ID.
        message_id=f"<{uuid.uuid4()}@{_message_id_domain()}>",
        to_address=to_address.strip(),
        # A subject can include a name someone typed: a line break in a header would make
        # the message unsendable, and a long one would not fit the column.
        subject=" ".join(str(subject).split())[:SUBJECT_LENGTH],
        body_text=body,
        attachments=attachments or [],
    )
    db.session.add(message)
    # By Message-ID, which exists before the row has an id.
    jobs.after_commit("outbox.deliver", message.message_id)
    return message
