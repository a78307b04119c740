"""Pickup appointments for the printed certificate: the owner or an agent books, moves or
cancels one; staff at the counter record the pickup or a no-show.

Every change checks PICKUP_TRANSITIONS, writes the audit log and the permit's timeline,
queues the emails (with a calendar invitation when the time changes) and commits once.
"""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import events, languages
from portal.certificates.errors import STALE_MESSAGE, InvalidCertificate
from portal.certificates.models import (
    PICKUP_TRANSITIONS,
    Certificate,
    PickupAppointment,
    PickupStatus,
)
from portal.certificates.openings import check_opening, describe, take_seat
from portal.certificates.reading import certificate_for_permit, open_appointment
from portal.documents.store import save_bytes
from portal.errors import DomainError, IllegalTransition
from portal.extensions import db
from portal.inspections import ics
from portal.models import utcnow
from portal.notifications.services import email_link, queue_email
from portal.payments import services as payments
from portal.permits.models import Permit
from portal.settings import contact
from portal.workflow import check_version, stale_guard

ALREADY_BOOKED = _l("You already have a pickup booked: reschedule or cancel it instead.")


def booking_problem(certificate: Certificate | None) -> str | None:
    """Why the owner cannot book a pickup now, or None."""
    if certificate is None or certificate.current_version is None or certificate.is_revoked:
        return _("A pickup can be booked once the certificate is issued.")
    if payments.fee_summary(certificate.permit_id).outstanding_count:
        return _("Pay the outstanding fees on this permit before you book a pickup.")
    if open_appointment(certificate.id) is not None:
        return str(ALREADY_BOOKED)
    collected = db.session.scalar(
        select(PickupAppointment.id).where(
            PickupAppointment.certificate_id == certificate.id,
            PickupAppointment.status == PickupStatus.PICKED_UP,
            PickupAppointment.created_at >= certificate.current_version.created_at,
        )
    )
    if collected is not None:
        return _("The hard copy of this certificate has already been picked up.")
    return None


def pickup_time(appointment: PickupAppointment) -> languages.Hours:
    """The appointment's day and time, as emails and the timeline say it (in the language
    each is read in)."""
    return describe(appointment.day, appointment.slot)


def pickup_recipients(appointment: PickupAppointment) -> list[str]:
    """Who hears about a pickup: whoever booked it, and the permit's owner."""
    emails = [appointment.booked_by.email]
    owner = appointment.permit.owner_party
    if owner is not None and owner.user.email not in emails:
        emails.append(owner.user.email)
    return emails


def counter_address_line() -> str:
    """The counter's address (an admin's setting) on one line, for calendars and emails."""
    lines = contact.current().counter_address.splitlines()
    return ", ".join(line.strip() for line in lines if line.strip())


def pickup_calendar(appointment: PickupAppointment, cancel: bool = False) -> bytes:
    """The appointment's calendar event, in the owner's language (one file for every
    attendee): emailed with each change, and downloadable."""
    permit = appointment.permit
    config = current_app.config
    number = appointment.certificate.number
    with languages.rendering_in(permit.owner_language):
        summary = _("Pick up Certificate of Occupancy %(number)s", number=number)
        location = _(
            "%(department)s permit counter, %(address)s",
            department=config["PORTAL_DEPARTMENT"],
            address=counter_address_line(),
        )
        description = "\n".join(
            (
                _("Certificate %(number)s, permit %(num)s", number=number, num=permit.permit_num),
                _("Property: %(address)s", address=permit.address),
                _("Bring photo identification."),
            )
        )
    return ics.build(
        uid=ics.uid("pickup-appointment", appointment.id),
        sequence=appointment.ics_sequence,
        start=appointment.starts_at,
        end=appointment.ends_at,
        summary=summary,
        location=location,
        description=description,
        attendees=pickup_recipients(appointment),
        cancel=cancel,
    )


def _pickup_invitation(appointment: PickupAppointment, cancel: bool) -> list[dict]:
    stored = save_bytes(pickup_calendar(appointment, cancel), "text/calendar")
    return [{"filename": "pickup.ics", "content_type": "text/calendar", "sha256": stored.sha256}]


def calendar_cancellation(appointment: PickupAppointment) -> list[dict]:
    """The attachment that withdraws the appointment's calendar event (same UID, later
    SEQUENCE); the appointment's ics_sequence must already be raised."""
    return _pickup_invitation(appointment, cancel=True)


def _pickup_emails(appointment: PickupAppointment, template: str, subject, cancel: bool) -> None:
    attachments = _pickup_invitation(appointment, cancel)
    for email in pickup_recipients(appointment):
        queue_email(
            email,
            subject,
            template,
            attachments=attachments,
            appointment=appointment,
            permit=appointment.permit,
            when=pickup_time(appointment),
            counter_address=counter_address_line(),
            link=email_link("certificates.certificate", permit_id=appointment.permit_id),
        )


@stale_guard(STALE_MESSAGE)
def book_pickup(permit: Permit, user, choice: str) -> PickupAppointment:
    """Book a seat at the counter once the certificate is issued and nothing is owed; the
    seat is counted under the slot-day lock, so of two people taking the last seat at once,
    one gets it and the other is told it is gone."""
    certificate = certificate_for_permit(permit)
    problem = booking_problem(certificate)
    if problem or certificate is None:
        raise DomainError(problem)
    slot, day, starts, ends = check_opening(choice)
    take_seat(slot, day)
    appointment = PickupAppointment(
        certificate_id=certificate.id,
        permit_id=permit.id,
        slot_id=slot.id,
        day=day,
        starts_at=starts,
        ends_at=ends,
        booked_by_id=user.id,
    )
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError:
        # Another booking for this certificate was written since booking_problem looked.
        db.session.rollback()
        raise DomainError(ALREADY_BOOKED) from None
    appointment.slot = slot
    appointment.certificate = certificate
    appointment.booked_by = user
    events.happened(
        "pickup.booked",
        appointment,
        actor=user,
        on=permit,
        shown={"when": pickup_time(appointment)},
        slot_id=slot.id,
        day=day.isoformat(),
    )
    _pickup_emails(
        appointment,
        "certificates_pickup_booked",
        _l(
            "Pickup booked: certificate %(number)s, %(when)s",
            number=certificate.number,
            when=pickup_time(appointment),
        ),
        cancel=False,
    )
    db.session.commit()
    return appointment


def _check_changeable(appointment: PickupAppointment) -> None:
    if appointment.status != PickupStatus.BOOKED:
        raise IllegalTransition(_l("This pickup is no longer booked, so it cannot be changed."))
    if appointment.starts_at <= utcnow():
        raise IllegalTransition(
            _l("This pickup time has started, so it can no longer be changed online.")
        )


@stale_guard(STALE_MESSAGE)
def reschedule_pickup(appointment: PickupAppointment, user, choice: str, version) -> None:
    """Move a booking to another time, until its slot starts; the calendar event moves
    (same UID, higher SEQUENCE)."""
    check_version(appointment, version, STALE_MESSAGE)
    _check_changeable(appointment)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.BOOKED)
    slot, day, starts, ends = check_opening(choice)
    if slot.id == appointment.slot_id and day == appointment.day:
        raise InvalidCertificate(_l("Choose a different time from your booking"), "opening")
    take_seat(slot, day, excluding=appointment.id)
    appointment.slot_id = slot.id
    appointment.slot = slot
    appointment.day = day
    appointment.starts_at = starts
    appointment.ends_at = ends
    appointment.ics_sequence += 1
    events.happened(
        "pickup.rescheduled",
        appointment,
        actor=user,
        on=appointment.permit,
        shown={"when": pickup_time(appointment)},
        slot_id=slot.id,
        day=day.isoformat(),
    )
    _pickup_emails(
        appointment,
        "certificates_pickup_booked",
        _l(
            "Pickup moved: certificate %(number)s, %(when)s",
            number=appointment.certificate.number,
            when=pickup_time(appointment),
        ),
        cancel=False,
    )
    db.session.commit()


@stale_guard(STALE_MESSAGE)
def cancel_pickup(appointment: PickupAppointment, user, version) -> None:
    """Cancel a booking until its slot starts; the seat is free again."""
    check_version(appointment, version, STALE_MESSAGE)
    _check_changeable(appointment)
    PICKUP_TRANSITIONS.move(appointment, PickupStatus.CANCELLED)
    appointment.cancelled_at = utcnow()
    appointment.ics_sequence += 1
    events.happened("pickup.cancelled", appointment, actor=user, on=appointment.permit)
    _pickup_emails(
        appointment,
        "certificates_pickup_cancelled",
        _l("Pickup cancelled: certificate %(number)s", number=appointment.certificate.number),
        cancel=True,
    )
    db.session.commit()


def cancel_for_revocation(certificate: Certificate, actor) -> PickupAppointment | None:
    """A revoked certificate leaves nothing to collect: its booked pickup is cancelled, even
    once its time has started, and the permit's timeline says why. The cancellation carries
    the revocation's time, which is how pages tell it from one the owner made (nothing can
    be booked or cancelled after a revocation). Returns the cancelled appointment, for the
    revocation's email; the caller commits."""
    appointment = open_appointment(certificate.id)
    if appointment is None:
        return None
    PICKUP_TRANSITIONS.move(appointment, PickupStatus.CANCELLED)
    appointment.cancelled_at = certificate.revoked_at
    appointment.ics_sequence += 1
    events.happened(
        "pickup.cancelled",
        appointment,
        actor=actor,
        on=appointment.permit,
        timeline_event="pickup.cancelled_revoked",
        shown={"when": pickup_time(appointment), "number": certificate.number},
        cause="certificate.revoked",
    )
    return appointment


@stale_guard(STALE_MESSAGE)
def mark_picked_up(
    appointment: PickupAppointment, actor, *, identity_checked: bool, collected_by: str, version
) -> None:
    """Staff hand over the hard copy, recording that they checked the collector's identity."""
    check_version(appointment, version, STALE_MESSAGE)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.PICKED_UP)
    if not identity_checked:
        raise InvalidCertificate(
            _l("Check the collector's photo identification, then tick the box"),
            "identity_checked",
        )
    collected_by = (collected_by or "").strip()
    if not collected_by:
        raise InvalidCertificate(
            _l("Enter the name of the person who collected it"), "collected_by"
        )
    PICKUP_TRANSITIONS.move(appointment, PickupStatus.PICKED_UP)
    appointment.identity_checked = True
    appointment.collected_by = collected_by
    appointment.handled_by_id = actor.id
    appointment.handled_at = utcnow()
    events.happened(
        "pickup.picked_up",
        appointment,
        actor=actor,
        on=appointment.permit,
        identity_checked=True,
        collected_by=collected_by,
    )
    db.session.commit()


@stale_guard(STALE_MESSAGE)
def mark_no_show(appointment: PickupAppointment, actor, version) -> None:
    """Nobody came: once the slot has started; the owner may then book again."""
    check_version(appointment, version, STALE_MESSAGE)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.NO_SHOW)
    if appointment.starts_at > utcnow():
        raise IllegalTransition(_l("The pickup time has not started yet."))
    PICKUP_TRANSITIONS.move(appointment, PickupStatus.NO_SHOW)
    appointment.handled_by_id = actor.id
    appointment.handled_at = utcnow()
    events.happened(
        "pickup.no_show",
        appointment,
        actor=actor,
        on=appointment.permit,
        shown={"when": pickup_time(appointment)},
    )
    db.session.commit()
