"""Invitations: the owner invites a contractor or agent by email; the link adds them once.

Every change checks its rule, writes the audit log (and the permit's timeline), queues any
email in the same transaction, and commits once.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import events
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import email_link, queue_email
from portal.permits.models import Invitation, PartyRole, Permit, PermitParty
from portal.permits.services import existing_party, is_owner
from portal.tokens import ExpiredToken, InvalidToken, make_token, read_token
from portal.workflow import rows_changed

INVITATION_PURPOSE = "invitation"


class InvitationProblem(DomainError):
    default_message = _l("This invitation link is not valid.")


def invite_party(
    permit: Permit, actor: User, *, email: str, role: PartyRole, trade: str, license_number: str
) -> Invitation:
    """The owner invites a contractor or agent by email: an Invitation and a signed link."""
    email = email.strip().lower()
    _check_can_invite(permit, actor, email, role)
    invitation = Invitation(
        permit_id=permit.id,
        email=email,
        role=role,
        trade=trade,
        license_number=license_number.strip(),
        invited_by_id=actor.id,
    )
    db.session.add(invitation)
    db.session.flush()
    token = make_token(INVITATION_PURPOSE, {"invitation": invitation.id})
    max_age = current_app.config["INVITATION_MAX_AGE"]
    events.happened(
        "party.invited",
        invitation,
        actor=actor,
        on=permit,
        shown={"email": email, "role": role.label},
        email=email,
        role=role.value,
    )
    queue_email(
        email,
        _l("%(name)s invited you to permit %(num)s", name=actor.name, num=permit.permit_num),
        "permits_invitation",
        invitation=invitation,
        permit=permit,
        inviter=actor,
        link=email_link("permits.invitation", token=token),
        days=max_age.days,
    )
    db.session.commit()
    return invitation


def _check_can_invite(permit: Permit, actor: User, email: str, role: PartyRole) -> None:
    """Only the owner invites, only contractors and agents, and nobody twice."""
    if not is_owner(permit, actor):
        raise DomainError(_l("Only the permit's owner can invite people."))
    if role not in (PartyRole.AGENT, PartyRole.CONTRACTOR):
        raise DomainError(_l("Invite people as a contractor or an agent."))
    already = db.session.scalar(
        select(PermitParty.id)
        .join(User, User.id == PermitParty.user_id)
        .where(PermitParty.permit_id == permit.id, func.lower(User.email) == email)
    )
    if already is not None:
        raise DomainError(_l("The account with that email address is already on this permit."))
    pending = db.session.scalar(
        select(Invitation.id).where(
            Invitation.permit_id == permit.id,
            func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    if pending is not None:
        raise DomainError(
            _l("That address already has an open invitation. Revoke it to send a new one.")
        )


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a link names; expired, forged, revoked and used links are refused."""
    try:
        payload = read_token(INVITATION_PURPOSE, token, current_app.config["INVITATION_MAX_AGE"])
    except ExpiredToken:
        raise InvitationProblem(
            _l("This invitation has expired. Ask the permit's owner to invite you again.")
        ) from None
    except InvalidToken:
        raise InvitationProblem(
            _l("This invitation link is not valid. Check you copied the whole link from the email.")
        ) from None
    invitation_id = payload.get("invitation") if isinstance(payload, dict) else None
    invitation = (
        db.session.get(
            Invitation,
            invitation_id,
            options=[joinedload(Invitation.permit), joinedload(Invitation.invited_by)],
        )
        if isinstance(invitation_id, int)
        else None
    )
    if invitation is None:
        raise InvitationProblem()
    _refuse_closed(invitation)
    return invitation


def _refuse_closed(invitation: Invitation) -> None:
    if invitation.revoked_at is not None:
        raise InvitationProblem(
            _l("The permit's owner withdrew this invitation. Ask them if you need access.")
        )
    if invitation.accepted_at is not None:
        raise InvitationProblem(
            _l("This invitation has already been accepted. Sign in to see the permit.")
        )


def accept_invitation(invitation: Invitation, user: User) -> PermitParty:
    """The signed-in invitee becomes a party in the role the owner chose, once.

    The invitation is taken with a conditional UPDATE (still open -> accepted by this
    user): of several accounts accepting one link at once, exactly one changes the row
    and the others get InvitationProblem, saying it was used (or withdrawn meanwhile).
    """
    _refuse_closed(invitation)
    if user.is_staff:
        raise DomainError(_l("Staff accounts see every permit and cannot accept invitations."))
    if existing_party(invitation.permit_id, user) is not None:
        raise DomainError(_l("Your account is already on this permit."))
    _take(invitation, user)
    party = PermitParty(
        permit_id=invitation.permit_id,
        user_id=user.id,
        role=invitation.role,
        trade=invitation.trade,
        license_number=invitation.license_number,
        added_by_id=invitation.invited_by_id,
    )
    db.session.add(party)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_l("Your account is already on this permit.")) from None
    permit = invitation.permit
    events.happened(
        "invitation.accepted",
        invitation,
        actor=user,
        on=permit,
        timeline_event="party.added",
        shown={"name": user.name, "role": party.role.label},
        party_id=party.id,
    )
    inviter = invitation.invited_by
    if inviter is not None:
        queue_email(
            inviter.email,
            _l("%(name)s accepted your invitation", name=user.name),
            "permits_invitation_accepted",
            user=user,
            party=party,
            permit=permit,
            permit_url=email_link("permits.permit", permit_id=permit.id),
        )
    db.session.commit()
    return party


def _take(invitation: Invitation, user: User) -> None:
    """Mark the invitation accepted by this user, if it is still open; of several takers at
    once, the one whose UPDATE changed the row wins and the others are refused."""
    taken = rows_changed(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
    )
    if taken != 1:
        db.session.rollback()
        current = db.session.get(Invitation, invitation.id)
        if current is not None:
            _refuse_closed(current)
        raise InvitationProblem()


def revoke_invitation(permit: Permit, invitation_id: int, actor: User) -> Invitation:
    """The owner (or staff) withdraws an open invitation; its link stops working."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.permit_id == permit.id)
    )
    if invitation is None:
        raise DomainError(_l("That invitation was not found."))
    if not (actor.is_staff or is_owner(permit, actor)):
        raise DomainError(_l("Only the permit's owner can withdraw invitations."))
    if not invitation.is_open:
        raise DomainError(_l("That invitation is no longer open."))
    invitation.revoked_at = utcnow()
    events.happened(
        "invitation.revoked",
        invitation,
        actor=actor,
        on=permit,
        timeline_event="party.invitation_revoked",
        shown={"email": invitation.email},
        email=invitation.email,
    )
    db.session.commit()
    return invitation
