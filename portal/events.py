"""What every change leaves behind, said once: the audit entry, the permit's timeline entry and
the emails.

A service makes its change, then calls `happened(...)` with the event's name: the audit log
always gets an entry; the permit's timeline gets one when the service names the permit
(`on=`), for an event the applicant reads (it must have words in timeline.EVENT_TEXT); each
email is queued in the same transaction. Nothing is committed here: the service's single
commit writes it all with the change, or none of it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portal import audit, timeline
from portal.audit import AuditEvent
from portal.notifications.services import queue_email


@dataclass(frozen=True)
class Email:
    """One message to queue: `template` names templates/email/<template>.txt."""

    to: str
    subject: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    attachments: list[dict] | None = None


def emails_to(addresses: Iterable[str], subject: str, template: str, **context: Any) -> list[Email]:
    """The same message for each address (each recipient gets their own copy)."""
    return [Email(address, subject, template, context) for address in addresses]


def happened(
    action: str,
    record: object = None,
    *,
    actor: Any,
    on: Any = None,
    timeline_event: str | None = None,
    shown: Mapping[str, Any] | None = None,
    emails: Iterable[Email] = (),
    **details: Any,
) -> AuditEvent:
    """Record `action` on `record` by `actor`: the audit entry with `details`; on the timeline
    of the permit `on`, `timeline_event` (default: the action) with its words' parameters
    `shown`; and the `emails`."""
    name = timeline_event or action
    if on is not None and name not in timeline.EVENT_TEXT:
        # A timeline entry without words would show the applicant its code: refuse it here.
        raise ValueError(f"timeline event {name!r} has no words in timeline.EVENT_TEXT")
    event = audit.record(action, record, actor=actor, **details)
    if on is not None:
        timeline.add(on, name, actor=actor, **(shown or {}))
    for email in emails:
        queue_email(
            email.to, email.subject, email.template, attachments=email.attachments, **email.context
        )
    return event
