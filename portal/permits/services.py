"""Placeholder; the permits feature replaces it."""

from sqlalchemy import select

from portal.extensions import db
from portal.permits.models import Permit, PermitParty


def permit_for_user(user, permit_id: int, roles=(), staff_allowed: bool = True) -> Permit | None:
    """The permit if the user is a party on it (in one of ``roles`` when given), else None."""
    if user.is_staff:
        return db.session.get(Permit, permit_id) if staff_allowed else None
    query = select(PermitParty).where(
        PermitParty.permit_id == permit_id, PermitParty.user_id == user.id
    )
    if roles:
        query = query.where(PermitParty.role.in_(roles))
    party = db.session.scalar(query)
    return party.permit if party else None
