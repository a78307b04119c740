"""The staff page about one person: who they are and what they are part of."""

from dataclasses import dataclass

from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import staff
from portal.admin.routes import bp
from portal.applications.models import CofOApplication
from portal.auth.models import User
from portal.extensions import db
from portal.permits.models import PermitParty

# An expediter can be a party to thousands of permits: the page shows the newest.
LIMIT = 50


@dataclass
class PersonRecord:
    person: User
    parties: list[PermitParty]
    parties_more: bool
    applications: list[CofOApplication]
    applications_more: bool


def _newest(query) -> tuple[list, bool]:
    rows = list(db.session.scalars(query.limit(LIMIT + 1)).unique())
    return rows[:LIMIT], len(rows) > LIMIT


def load_person(user_id: int) -> PersonRecord | None:
    person = db.session.get(User, user_id)
    if person is None:
        return None
    parties, parties_more = _newest(
        select(PermitParty)
        .where(PermitParty.user_id == person.id)
        .options(joinedload(PermitParty.permit))
        .order_by(PermitParty.id.desc())
    )
    applications, applications_more = _newest(
        select(CofOApplication)
        .where(CofOApplication.created_by_id == person.id)
        .order_by(CofOApplication.id.desc())
    )
    return PersonRecord(person, parties, parties_more, applications, applications_more)


@bp.get("/people/<int:user_id>")
@staff
def person(user_id: int):
    record = load_person(user_id)
    if record is None:
        abort(404)
    return render_template("admin/person.html", record=record, person=record.person)
