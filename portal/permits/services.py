"""Permits and the people who may act on them: import, claim, invitations, parties.

Every change here checks its rule, writes the audit log (and the permit's timeline),
queues any email in the same transaction, and commits once.
"""

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BindParameter, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, events, panels, reads
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.services import email_link, queue_email
from portal.permits import importer
from portal.permits.models import (
    Invitation,
    PartyRole,
    Permit,
    PermitParty,
    PermitStatus,
    trade_label,
)
from portal.template_helpers import contact_link
from portal.timeline import EntryFacts, TimelineEntry

PERMIT_PAGE_TIMELINE_LIMIT = 10
# Compared against when the permit number is unknown, so a miss takes as long as a hit.
_NO_SUCH_CODE = "-" * importer.ACCESS_CODE_LENGTH


class ClaimRefused(DomainError):
    # One message for a wrong number, a wrong code or both: it must not reveal which.
    default_message = _l(
        "The permit number and access code do not match our records. Check both and try again."
    )


def permit_for_user(user, permit_id: int, roles=(), staff_allowed: bool = True) -> Permit | None:
    """The permit if the user is a party on it (in one of ``roles`` when given), else None.

    Staff see every permit when ``staff_allowed``; never as a party.
    """
    if user.is_staff:
        return db.session.get(Permit, permit_id) if staff_allowed else None
    values = {"permit_id": permit_id, "user_id": user.id}
    if roles:
        return db.session.scalar(_PARTY_PERMIT_IN_ROLES, {**values, "roles": list(roles)})
    return db.session.scalar(_PARTY_PERMIT, values)


# Every permit page asks this (the access decorator): built once (issue 17).
_PARTY = select(PermitParty.id).where(
    PermitParty.permit_id == bindparam("permit_id"),
    PermitParty.user_id == bindparam("user_id"),
)
_PARTY_PERMIT = select(Permit).where(Permit.id == bindparam("permit_id"), _PARTY.exists())
_PARTY_PERMIT_IN_ROLES = select(Permit).where(
    Permit.id == bindparam("permit_id"),
    _PARTY.where(PermitParty.role.in_(bindparam("roles", expanding=True))).exists(),
)


# Import


def import_permits(
    source: IO[bytes], *, actor=None, filename: str = "", max_reported_errors: int | None = None
) -> importer.ImportReport:
    """Import a BLDS CSV all or nothing: any error imports nothing and every error is reported."""
    report = importer.validate(source, max_reported_errors=max_reported_errors)
    if not report.ok:
        return report
    try:
        importer.write(source, report, actor=actor)
        audit.record(
            "permits.imported",
            actor=actor,
            filename=filename,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            _l(
                "Another import added some of these permits at the same time. "
                "Import the file again."
            )
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    return report


# Claim


def claim_permit(user: User, permit_num: str, access_code: str) -> Permit:
    """Make the user the owner party of the permit whose number and access code they give.

    Only a verified email address may claim; a wrong pair gets one message that does
    not say which half was wrong; a permit with an owner already cannot be claimed.
    """
    if user.is_staff:
        raise DomainError(_l("Staff accounts see every permit and do not claim them."))
    if not user.email_verified:
        raise DomainError(_l("Confirm your email address before you claim a permit."))
    number = permit_num.strip()
    permit = db.session.scalar(
        select(Permit).where(Permit.permit_num.in_({number, number.upper()}))
    )
    expected = permit.access_code if permit is not None else _NO_SUCH_CODE
    given = "".join(access_code.split()).upper()
    if not hmac.compare_digest(given.encode(), expected.upper().encode()) or permit is None:
        raise ClaimRefused()

    parties = db.session.scalars(
        select(PermitParty).where(PermitParty.permit_id == permit.id)
    ).all()
    owner = _owner_of(parties)
    if owner is not None and owner.user_id == user.id:
        raise DomainError(_l("You are already the owner of this permit."))
    if owner is not None:
        raise DomainError(_already_owned_message())
    mine = next((p for p in parties if p.user_id == user.id), None)
    if mine is not None:
        # An agent or contractor who holds the owner's code is the owner.
        mine.role = PartyRole.OWNER
    else:
        mine = PermitParty(permit_id=permit.id, user_id=user.id, role=PartyRole.OWNER)
        db.session.add(mine)
    mine.added_by_id = user.id
    try:
        db.session.flush()
    except IntegrityError:
        # Another account's claim won the race; the one-owner index refused this one.
        db.session.rollback()
        raise DomainError(_already_owned_message()) from None

    events.happened(
        "permit.claimed",
        permit,
        actor=user,
        on=permit,
        shown={"name": user.name},
        permit_num=permit.permit_num,
    )
    queue_email(
        user.email,
        _l("You claimed permit %(num)s", num=permit.permit_num),
        "permits_claimed",
        user=user,
        permit=permit,
        permit_url=email_link("permits.permit", permit_id=permit.id),
    )
    db.session.commit()
    return permit


def _owner_of(parties: Iterable[PermitParty]) -> PermitParty | None:
    return next((p for p in parties if p.role == PartyRole.OWNER), None)


def _already_owned_message() -> str:
    return contact_link(
        _l(
            "This permit already has an owner on the portal. If you own the property, "
            "contact the department to have the permit transferred to your account."
        )
    )


# Invitations


def is_owner(permit: Permit, user) -> bool:
    return (
        db.session.scalar(
            select(PermitParty.id).where(
                PermitParty.permit_id == permit.id,
                PermitParty.user_id == user.id,
                PermitParty.role == PartyRole.OWNER,
            )
        )
        is not None
    )


def existing_party(permit_id: int, user) -> PermitParty | None:
    return db.session.scalar(
        select(PermitParty).where(
            PermitParty.permit_id == permit_id, PermitParty.user_id == user.id
        )
    )


# Parties


def remove_party(permit: Permit, party_id: int, actor: User) -> None:
    """The owner removes an agent or contractor; staff remove anyone. Owners stay owners."""
    party = db.session.scalar(
        select(PermitParty).where(PermitParty.id == party_id, PermitParty.permit_id == permit.id)
    )
    if party is None:
        raise DomainError(_l("That person is not on this permit."))
    if not actor.is_staff:
        if not is_owner(permit, actor):
            raise DomainError(_l("Only the permit's owner can remove people."))
        if party.role == PartyRole.OWNER:
            raise DomainError(
                contact_link(
                    _l(
                        "The owner cannot be removed here. "
                        "Contact the department to transfer the permit."
                    )
                )
            )
    person = party.user
    role = party.role
    db.session.delete(party)
    events.happened(
        "party.removed",
        permit,
        actor=actor,
        on=permit,
        shown={"name": person.name, "role": role.label},
        user_id=person.id,
        role=role.value,
    )
    queue_email(
        person.email,
        _l("You were removed from permit %(num)s", num=permit.permit_num),
        "permits_party_removed",
        user=person,
        role=role,
        permit=permit,
    )
    db.session.commit()


def add_party_by_staff(
    permit: Permit, actor: User, *, email: str, role: PartyRole, trade: str, license_number: str
) -> PermitParty:
    """Staff add an existing account to a permit in any role; one owner per permit."""
    if not actor.is_staff:
        raise DomainError(_l("Only the department can add people directly."))
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise DomainError(
            _l("No account uses that email address. Ask the person to create an account first.")
        )
    if user.is_staff:
        raise DomainError(_l("Staff accounts see every permit and cannot be added to one."))
    if existing_party(permit.id, user) is not None:
        raise DomainError(_l("That account is already on this permit."))
    owned = db.session.scalar(
        select(PermitParty.id).where(
            PermitParty.permit_id == permit.id, PermitParty.role == PartyRole.OWNER
        )
    )
    if role == PartyRole.OWNER and owned is not None:
        raise DomainError(_l("This permit already has an owner. Remove the owner first."))
    party = PermitParty(
        permit_id=permit.id,
        user_id=user.id,
        role=role,
        trade=trade,
        license_number=license_number.strip(),
        added_by_id=actor.id,
    )
    db.session.add(party)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            _l("Someone changed this permit's parties at the same time. Try again.")
        ) from None
    events.happened(
        "party.added",
        permit,
        actor=actor,
        on=permit,
        shown={"name": user.name, "role": role.label},
        user_id=user.id,
        role=role.value,
    )
    queue_email(
        user.email,
        _l("You were added to permit %(num)s", num=permit.permit_num),
        "permits_party_added",
        user=user,
        role=role,
        permit=permit,
        permit_url=email_link("permits.permit", permit_id=permit.id),
    )
    db.session.commit()
    return party


# The permit page: the features built on permits fill in their parts (portal/panels.py)


@dataclass(frozen=True)
class PartyLine:
    """A party as the permit page and the staff record show it (columns, no entities)."""

    id: int
    user_id: int
    role: PartyRole
    trade: str
    license_number: str
    name: str
    email: str

    @property
    def trade_label(self) -> str:
        return trade_label(self.trade)


@dataclass(frozen=True)
class InvitationLine:
    """An open invitation as the permit page and the staff record show it."""

    id: int
    email: str
    role: PartyRole
    trade: str
    created_at: datetime

    @property
    def trade_label(self) -> str:
        return trade_label(self.trade)


@dataclass(frozen=True)
class TimelineLine(EntryFacts):
    """A timeline entry as the permit page and the staff record show it."""

    created_at: datetime
    event: str
    params: dict
    by_department: bool
    actor_name: str | None


# Issue 17: read-only pages read columns, with statements built once (bound parameters).
_PERMIT_ID: BindParameter[int] = bindparam("permit_id")
_PARTY_LINES = (
    select(
        PermitParty.id,
        PermitParty.user_id,
        PermitParty.role,
        PermitParty.trade,
        PermitParty.license_number,
        User.name,
        User.email,
    )
    .join(User, User.id == PermitParty.user_id)
    .where(PermitParty.permit_id == _PERMIT_ID)
    .order_by(PermitParty.id)
)
_OPEN_INVITATION_LINES = (
    select(
        Invitation.id, Invitation.email, Invitation.role, Invitation.trade, Invitation.created_at
    )
    .where(
        Invitation.permit_id == _PERMIT_ID,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
    )
    .order_by(Invitation.id.desc())
)
_TIMELINE_LINES = (
    select(
        TimelineEntry.created_at,
        TimelineEntry.event,
        TimelineEntry.params,
        TimelineEntry.by_department,
        User.name,
    )
    .outerjoin(User, User.id == TimelineEntry.actor_id)
    .where(TimelineEntry.permit_id == _PERMIT_ID)
    .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc())
    .limit(bindparam("limit"))
)


def party_lines(permit_id: int) -> list[PartyLine]:
    return [PartyLine(*row) for row in reads.rows(_PARTY_LINES, {"permit_id": permit_id})]


def open_invitation_lines(permit_id: int) -> list[InvitationLine]:
    rows = reads.rows(_OPEN_INVITATION_LINES, {"permit_id": permit_id})
    return [InvitationLine(*row) for row in rows]


def latest_timeline(permit_id: int, limit: int) -> tuple[list[TimelineLine], bool]:
    """The permit's latest `limit` timeline entries, newest first, and whether there are more
    (one more row is read instead of counting)."""
    rows = reads.rows(_TIMELINE_LINES, {"permit_id": permit_id, "limit": limit + 1})
    return [TimelineLine(*row) for row in rows[:limit]], len(rows) > limit


@dataclass(frozen=True)
class PermitPage:
    permit: Permit
    parties: Sequence[PartyLine]
    my_party: PartyLine | None
    invitations: Sequence[InvitationLine]
    timeline: Sequence[TimelineLine]
    more_timeline: bool
    # The top of the page: the outcome or the one next step, then the status facts.
    summary: panels.Summary
    panels: list[panels.Panel]

    @property
    def is_owner(self) -> bool:
        return self.my_party is not None and self.my_party.role == PartyRole.OWNER


def permit_page(permit: Permit, user: User) -> PermitPage:
    parties = party_lines(permit.id)
    mine = next((p for p in parties if p.user_id == user.id), None)
    can_manage = user.is_staff or (mine is not None and mine.role == PartyRole.OWNER)
    shown = panels.permit_panels(permit)
    role = None if user.is_staff or mine is None else mine.role
    timeline, more_timeline = latest_timeline(permit.id, PERMIT_PAGE_TIMELINE_LIMIT)
    return PermitPage(
        permit=permit,
        parties=parties,
        my_party=mine,
        invitations=open_invitation_lines(permit.id) if can_manage else [],
        timeline=timeline,
        more_timeline=more_timeline,
        panels=shown,
        summary=panels.permit_summary(permit, role, shown),
    )


def timeline_page(permit: Permit, page: int):
    return db.paginate(
        select(TimelineEntry)
        .where(TimelineEntry.permit_id == permit.id)
        .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc()),
        page=page,
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )


def finalize(permit: Permit, actor) -> None:
    """The certificate is issued: the permit is "Finaled" (in the caller's transaction)."""
    if permit.status_current in (PermitStatus.EXPIRED, PermitStatus.REVOKED):
        raise DomainError(
            _l(
                "The permit is %(status)s, so it cannot be finaled.",
                status=permit.status_current.label,
            )
        )
    if permit.status_current == PermitStatus.FINALED:
        return
    previous = permit.status_current
    permit.status_current = PermitStatus.FINALED
    events.happened("permit.finaled", permit, actor=actor, on=permit, previous=previous.value)
