"""The department's permit types as BLDS names them: PermitTypeMapped and PermitTypeDesc.

Kept as rows admins change on the settings page, so a new permit type (or a department
that spells "Building" differently) is mapped without a release; every change is audited.
"""

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit, blds
from portal.extensions import db
from portal.settings.models import PermitTypeMapping
from portal.settings.services import InvalidSetting

# The rows a new installation starts with (the migration writes the same): the BLDS names
# as they are, and the Chicago permit types of the demo and the import files.
DEFAULTS: tuple[tuple[str, str, str], ...] = (
    ("Building", "Building", "Building permit"),
    ("Demolition", "Demolition", "Demolition permit"),
    ("Electrical", "Electrical", "Electrical permit"),
    ("Mechanical", "Mechanical", "Mechanical permit"),
    ("Plumbing", "Plumbing", "Plumbing permit"),
    ("New Construction", "Building", "Building permit for a new building"),
    ("Renovation/Alteration", "Building", "Building permit for work on an existing building"),
)


def key(permit_type: str) -> str:
    """How a permit type is matched: case and spacing do not matter."""
    return " ".join(permit_type.split()).lower()


def mappings() -> Sequence[PermitTypeMapping]:
    return db.session.scalars(
        select(PermitTypeMapping).order_by(PermitTypeMapping.permit_type_key)
    ).all()


def seed_defaults() -> None:
    """Add the default rows that are missing; never overwrite an admin's choice. No commit."""
    known = set(db.session.scalars(select(PermitTypeMapping.permit_type_key)))
    for permit_type, blds_type, description in DEFAULTS:
        if key(permit_type) not in known:
            db.session.add(
                PermitTypeMapping(
                    permit_type=permit_type,
                    permit_type_key=key(permit_type),
                    blds_type=blds_type,
                    description=description,
                )
            )


def save(actor, permit_type: str, blds_type: str, description: str) -> PermitTypeMapping:
    """Map a permit type (new, or already mapped: its row changes) to a BLDS value."""
    permit_type = " ".join((permit_type or "").split())
    if not permit_type:
        raise InvalidSetting(_l("Enter the permit type as the permits spell it"), "permit_type")
    if blds_type not in blds.PERMIT_TYPE_MAPPED:
        raise InvalidSetting(_l("Choose one of the BLDS permit types"), "blds_type")
    description = " ".join((description or "").split())
    row = db.session.scalar(
        select(PermitTypeMapping).where(PermitTypeMapping.permit_type_key == key(permit_type))
    )
    old = f"{row.blds_type} / {row.description}" if row else ""
    if row is None:
        row = PermitTypeMapping(permit_type_key=key(permit_type))
        db.session.add(row)
    row.permit_type, row.blds_type, row.description = permit_type, blds_type, description
    db.session.flush()
    audit.record(
        "permit_type_mapping.saved",
        row,
        actor=actor,
        permit_type=permit_type,
        change=f"{old} -> {blds_type} / {description}",
    )
    db.session.commit()
    return row
