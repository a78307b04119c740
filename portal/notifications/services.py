"""Queue email in the caller's transaction; nothing is sent until `flask outbox send`."""

import uuid

from flask import current_app, render_template

from portal.extensions import db
from portal.notifications.models import OutboxMessage


def queue_email(
    to_address: str,
    subject: str,
    template: str,
    *,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage:
    """Render ``templates/email/<template>.txt`` and add it to the outbox (no commit here).

    ``attachments`` are ``{"filename", "content_type", "sha256"}`` dicts naming files
    already in the document store, so the row stays small and the bytes immutable.
    """
    domain = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].rstrip(">") or "portal.local"
    body = render_template(f"email/{template}.txt", **context)
    message = OutboxMessage(
        message_id=f"<{uuid.uuid4()}@{domain}>",
        to_address=to_address,
        subject=subject,
        body_text=body,
        attachments=attachments or [],
    )
    db.session.add(message)
    return message
