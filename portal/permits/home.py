"""The applicant home (My permits): the user's permits, a page at a time, with what each
feature says of them (portal/panels.py).

Read-only rows, so the page reads columns, never ORM entities, and shows text translated
once per page (issue 17: the page cost 4.7 times the layout-only page, most of it loading
entities and translating each row's labels twice, once for the phone cards and once for the
desktop table).
"""

import math
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select

from portal import panels
from portal.auth.models import User
from portal.extensions import db
from portal.permits.models import PartyRole, Permit, PermitParty, PermitStatus, printed_address
from portal.routing import url_template

# The page's rows (newest party first; ix_permit_parties_user finds the user's rows), read
# in a subquery so the features' facts are computed for these rows only.
_PAGE = (
    select(
        PermitParty.id.label("party_id"),
        PermitParty.permit_id,
        PermitParty.role,
        Permit.permit_num,
        Permit.status_current,
        Permit.original_address1,
        Permit.original_address2,
        Permit.original_city,
        Permit.original_state,
        Permit.original_zip,
    )
    .join(Permit, Permit.id == PermitParty.permit_id)
    .where(PermitParty.user_id == bindparam("user_id"))
    .order_by(PermitParty.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
    .subquery("page")
)


@cache
def _rows():
    """The page's rows with every home fact (portal/panels.py) as a column: one statement,
    built once (its cache key is the same on every request, so building it again would only
    cost time), after create_app has imported every feature's contributions."""
    facts = panels.home_fact_columns(_PAGE.c.permit_id)
    return select(_PAGE, *facts).order_by(_PAGE.c.party_id.desc())


_COUNT = select(func.count()).where(PermitParty.user_id == bindparam("user_id"))


@dataclass(frozen=True, slots=True)
class HomePermit:
    """One of the user's permits as the features' home facts read it."""

    permit_id: int
    role: PartyRole
    status: PermitStatus


@dataclass(frozen=True, slots=True)
class HomeRow:
    """One permit of the page, ready to show: the cards and the table read the same row."""

    permit: HomePermit
    permit_num: str
    address: str
    url: str
    status_label: str
    role_label: str
    # {key: value} from each registered home fact (portal/panels.py)
    facts: dict[str, object]


@dataclass(frozen=True)
class HomePage:
    """A page of rows and where it sits, as the pagination macro reads it."""

    rows: list[HomeRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def applicant_home(user: User, page: int) -> HomePage:
    """The user's permits, newest first; the statement count is fixed.

    One row more than the page is read: without it, the last page needs no count (its
    rows and offset give the total), so a user with one page of permits costs one
    statement for the list."""
    per_page = current_app.config["PAGE_SIZE"]
    offset = (page - 1) * per_page
    found = db.session.execute(
        _rows(), {"user_id": user.id, "limit": per_page + 1, "offset": offset}
    ).all()
    if found and len(found) <= per_page:
        total = offset + len(found)
    else:
        total = db.session.execute(_COUNT, {"user_id": user.id}).scalar_one()
    permits = [HomePermit(row.permit_id, row.role, row.status_current) for row in found[:per_page]]
    facts = panels.home_facts(permits, found[:per_page])
    statuses, roles = PermitStatus.labels(), PartyRole.labels()
    permit_url = url_template("permits.permit", "permit_id")
    rows = [
        HomeRow(
            permit=permit,
            permit_num=row.permit_num,
            address=printed_address(row),
            url=permit_url.format(permit_id=permit.permit_id),
            status_label=statuses[permit.status],
            role_label=roles[permit.role],
            facts=facts[permit.permit_id],
        )
        for permit, row in zip(permits, found, strict=False)
    ]
    return HomePage(rows, page, per_page, total)
