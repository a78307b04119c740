"""The staff's application queue: waiting for review by default, filtered, sorted, searched.

Each view is one index range scan whatever the page: applications waiting for review
walk the partial index on queued_at; a single status walks (status, submitted_at, id);
"any status" walks the partial index on submitted_at.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from portal.applications.models import ApplicationStatus, CofOApplication
from portal.auth.models import User
from portal.forms import PortalDateField, TranslatedChoices
from portal.keyset import KeysetPage, SortOrder
from portal.permits.models import Permit, printed_address
from portal.queues import QueueForm, any_of, page_of, within_days, within_years
from portal.routing import url_template
from portal.search import number_prefixes, permit_matches, person_matches

S = ApplicationStatus
WAITING = ""
ANY = "any"
FILTER_STATES = (
    S.SUBMITTED,
    S.UNDER_REVIEW,
    S.RESUBMITTED,
    S.INFORMATION_REQUESTED,
    S.ACCEPTED,
    S.INSPECTIONS_COMPLETE,
)
SORTS = {
    "oldest": _l("Oldest first"),
    "newest": _l("Newest first"),
    "permit": _l("Permit number"),
}


STATUS_CHOICES = TranslatedChoices(
    [SelectChoice(WAITING, _l("Waiting for review"))]
    + [SelectChoice(state.value, state.label) for state in FILTER_STATES]
    + [SelectChoice(ANY, _l("Any status"))]
)
SORT_CHOICES = TranslatedChoices(SelectChoice(key, label) for key, label in SORTS.items())


class ApplicationQueueForm(QueueForm):
    status = SelectField(_l("Show"), choices=STATUS_CHOICES.choices, validators=[Optional()])
    date_from = PortalDateField(_l("Submitted from"), validators=[Optional(), within_years])
    date_to = PortalDateField(_l("Submitted to"), validators=[Optional(), within_years])
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES.choices, validators=[Optional()])

    def load_choices(self) -> None:
        self.status.choices = STATUS_CHOICES()
        self.sort.choices = SORT_CHOICES()


def _order(sort: str, submitted) -> SortOrder:
    if sort == "permit":
        return SortOrder("permit", SORTS[sort], (Permit.permit_num, CofOApplication.id))
    # The key names the column too, so a cursor from another status's view is not reused.
    return SortOrder(
        f"{sort}:{submitted.key}",
        SORTS[sort],
        (submitted, CofOApplication.id),
        descending=sort == "newest",
    )


def search_condition(text: str):
    """Permit number or address, confirmation number, or the applicant's name or email."""
    return any_of(
        CofOApplication.id,
        select(CofOApplication.id).join(CofOApplication.permit).where(permit_matches(text)),
        select(CofOApplication.id).where(
            number_prefixes(CofOApplication.confirmation_number, text)
        ),
        select(CofOApplication.id)
        .join(User, User.id == CofOApplication.created_by_id)
        .where(person_matches(text)),
    )


_COLUMNS = (
    CofOApplication.id,
    CofOApplication.confirmation_number,
    CofOApplication.submitted_at,
    CofOApplication.status,
    Permit.permit_num,
    Permit.original_address1,
    Permit.original_address2,
    Permit.original_city,
    Permit.original_state,
    Permit.original_zip,
)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One application of the page, ready to show (its status translated, its link built)."""

    id: int
    confirmation_number: str
    review_url: str
    permit_num: str
    address: str
    submitted_at: datetime | None
    status_label: str


@cache
def _in_status(status: str) -> tuple[Select, InstrumentedAttribute[datetime | None]]:
    """The queue's columns of the applications the status filter names (one of the form's
    choices), and the submission time they go by: built once per choice (each request's
    filters are added to it)."""
    query = select(*_COLUMNS).join(CofOApplication.permit)
    if status == WAITING:
        # While waiting, queued_at holds the first submission time: the same dates.
        submitted = CofOApplication.queued_at
    else:
        submitted = CofOApplication.submitted_at
        if status != ANY:
            query = query.where(CofOApplication.status == ApplicationStatus(status))
    return query.where(submitted.is_not(None)), submitted


def application_queue(form: ApplicationQueueForm) -> KeysetPage:
    """One page of the queue the form describes, as QueueRows: columns, never ORM entities
    (issue 17)."""
    query, submitted = _in_status(form.value("status", WAITING))
    query = query.where(*within_days(submitted, form.value("date_from"), form.value("date_to")))
    if form.search:
        query = query.where(search_condition(form.search))
    page = page_of(query, _order(form.sort_key, submitted))
    statuses = ApplicationStatus.labels()
    review_url = url_template("applications.review", "application_id")
    page.items = [
        QueueRow(
            id=row.id,
            confirmation_number=row.confirmation_number,
            review_url=review_url.format(application_id=row.id),
            permit_num=row.permit_num,
            address=printed_address(row),
            submitted_at=row.submitted_at,
            status_label=statuses[row.status],
        )
        for row in page.items
    ]
    return page
