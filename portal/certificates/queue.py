"""The staff's certificate lists: applications ready for a certificate, those issued, and
the open occupancy requests.

Ready to issue walks the partial index on (submitted_at, id) of accepted and
inspections-complete applications; issued certificates walk (created_at, id) or their
unique number: the same index range on every page.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from portal.applications.models import ISSUABLE_STATES, CofOApplication
from portal.certificates.models import Certificate, OccupancyRequest, RequestStatus
from portal.keyset import KeysetPage, SortOrder
from portal.permits.models import Permit
from portal.queues import QueueForm, any_of, page_of, within_days
from portal.search import number_prefixes, permit_matches

READY_SORTS = {
    "oldest": _l("Oldest first"),
    "newest": _l("Newest first"),
    "permit": _l("Permit number"),
}
ISSUED_SORTS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "number": _l("Certificate number"),
    "permit": _l("Permit number"),
}


def _sort_field(sorts: dict) -> SelectField:
    return SelectField(
        _l("Sort by"),
        choices=[SelectChoice(key, label) for key, label in sorts.items()],
        validators=[Optional()],
    )


class ReadyForm(QueueForm):
    sort = _sort_field(READY_SORTS)


class IssuedForm(QueueForm):
    sort = _sort_field(ISSUED_SORTS)


def _ready_order(sort: str) -> SortOrder:
    if sort == "permit":
        return SortOrder("permit", READY_SORTS[sort], (Permit.permit_num, CofOApplication.id))
    columns = (CofOApplication.submitted_at, CofOApplication.id)
    return SortOrder(sort, READY_SORTS[sort], columns, descending=sort == "newest")


# Literal values rather than parameters: only then can the planner see that the query
# stays within the partial index's WHERE and walk it in order.
_READY = CofOApplication.status.in_(
    [literal(state.value, literal_execute=True) for state in sorted(ISSUABLE_STATES)]
)


def ready_to_issue(form: ReadyForm) -> KeysetPage:
    """Applications waiting for a certificate decision, with their permits."""
    query = (
        select(CofOApplication)
        .join(CofOApplication.permit)
        .where(
            _READY,
            CofOApplication.submitted_at.is_not(None),
            *within_days(
                CofOApplication.submitted_at, form.value("date_from"), form.value("date_to")
            ),
        )
        .options(contains_eager(CofOApplication.permit))
    )
    if form.search:
        query = query.where(
            any_of(
                CofOApplication.id,
                select(CofOApplication.id)
                .join(CofOApplication.permit)
                .where(permit_matches(form.search)),
                select(CofOApplication.id).where(
                    number_prefixes(CofOApplication.confirmation_number, form.search)
                ),
            )
        )
    return page_of(query, _ready_order(form.sort_key))


def _issued_order(sort: str) -> SortOrder:
    if sort == "number":
        # The number is unique, so it needs no id to break ties.
        return SortOrder("number", ISSUED_SORTS[sort], (Certificate.number,))
    if sort == "permit":
        return SortOrder("permit", ISSUED_SORTS[sort], (Permit.permit_num, Certificate.id))
    columns = (Certificate.created_at, Certificate.id)
    return SortOrder(sort, ISSUED_SORTS[sort], columns, descending=sort == "newest")


def issued_certificates(form: IssuedForm) -> KeysetPage:
    """Certificates issued, with their permits."""
    query = (
        select(Certificate)
        .join(Certificate.permit)
        .where(*within_days(Certificate.created_at, form.value("date_from"), form.value("date_to")))
        .options(contains_eager(Certificate.permit))
    )
    if form.search:
        query = query.where(
            any_of(
                Certificate.id,
                select(Certificate.id).join(Certificate.permit).where(permit_matches(form.search)),
                select(Certificate.id).where(number_prefixes(Certificate.number, form.search)),
            )
        )
    return page_of(query, _issued_order(form.sort_key))


# Open requests, oldest first: the (status, created_at, id) index, in order.
REQUEST_ORDER = SortOrder(
    "oldest", _l("Oldest first"), (OccupancyRequest.created_at, OccupancyRequest.id)
)


def open_requests() -> KeysetPage:
    """The staff queue of occupancy requests waiting for a decision, with their permits."""
    query = (
        select(OccupancyRequest)
        .join(OccupancyRequest.permit)
        .where(OccupancyRequest.status == RequestStatus.REQUESTED)
        .options(contains_eager(OccupancyRequest.permit))
    )
    return page_of(query, REQUEST_ORDER)
