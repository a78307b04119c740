"""What the applications feature adds to the pages permits/ owns (see portal/panels.py):
the application's panel on the permit page, its status and next step in the permit page's
summary (a request for information as an alert at the top), its status and the next step on
the home, and its status (never its answers) on the public status page."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from portal import panels, reads
from portal.applications.models import EDITABLE_STATES, ApplicationStatus, CofOApplication
from portal.permits.home import HomePermit
from portal.permits.models import PartyRole, Permit, PermitStatus
from portal.routing import url_template
from portal.template_helpers import contact_link

S = ApplicationStatus
_WAITING = {S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED}
_ENDED = {S.REJECTED, S.NOT_APPLICABLE, S.WITHDRAWN}


@dataclass(frozen=True)
class ApplicationLine:
    """A permit's newest application as the permit page and the public status page show it
    (its columns, not the entity with every answer: issue 17)."""

    status: ApplicationStatus
    confirmation_number: str | None
    submitted_at: datetime | None
    staff_message: str

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES


_NEWEST_APPLICATION = (
    select(
        CofOApplication.status,
        CofOApplication.confirmation_number,
        CofOApplication.submitted_at,
        CofOApplication.staff_message,
    )
    .where(CofOApplication.permit_id == bindparam("permit_id"))
    .order_by(CofOApplication.id.desc())
    .limit(1)
)


def newest_application(permit_id: int) -> ApplicationLine | None:
    row = reads.first(_NEWEST_APPLICATION, {"permit_id": permit_id})
    return None if row is None else ApplicationLine(*row)


def newest_status(permit_id: Any) -> Any:
    """The status of the newest application of the permit `permit_id` (a column of the
    applicant home's statement), NULL without one."""
    return (
        select(CofOApplication.status)
        .where(CofOApplication.permit_id == permit_id)
        .order_by(CofOApplication.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _permit_ended(permit_status: PermitStatus, status: ApplicationStatus | None) -> bool:
    """No application under way on an expired or revoked permit: only the department can help."""
    live = status is not None and status not in _ENDED
    return not live and permit_status in (PermitStatus.EXPIRED, PermitStatus.REVOKED)


def next_action(
    permit_status: PermitStatus, role: PartyRole, status: ApplicationStatus | None
) -> str:
    """The one thing this party should do next, from the status of the permit and of its
    newest application."""
    applies = role in (PartyRole.OWNER, PartyRole.AGENT)
    if status is None or status in _ENDED:
        if _permit_ended(permit_status, status):
            return contact_link(
                _(
                    "The permit is %(status)s: contact the department",
                    status=permit_status.label,
                )
            )
        if not applies:
            return _("Nothing to do yet: the owner has not applied for the C of O")
        if status is None:
            return _("Start your C of O application")
        return _("Start a new C of O application if you still need one")
    if status == S.DRAFT:
        return (
            _("Continue your draft application")
            if applies
            else _("The owner is preparing the C of O application")
        )
    if status == S.INFORMATION_REQUESTED:
        return (
            _("Respond to the department's request")
            if applies
            else _("The department asked the owner for more information")
        )
    if status in _WAITING:
        return _("Waiting for the department's review")
    if status == S.ACCEPTED:
        return _("Pass the required inspections")
    if status == S.INSPECTIONS_COMPLETE:
        return _("Waiting for the department to issue the certificate")
    return _("Certificate of Occupancy issued")


@dataclass(frozen=True, slots=True)
class HomeApplication:
    """The home's application column and next step for one permit, as text to show."""

    # The newest application's status, or "Not started".
    status_label: str
    next_action: str
    # The application's page, when the next step is the reader's to take there (the owner
    # or an agent; not a contractor, nor anyone when the next step is to contact the
    # department, whose message carries its own link).
    url: str = ""


@dataclass(frozen=True)
class ApplicationPanel:
    application: ApplicationLine | None


@panels.home_fact("application", column=newest_status)
def home_applications(
    permits: Sequence[HomePermit], statuses: Mapping[int, ApplicationStatus | None]
) -> dict[int, HomeApplication]:
    labels, not_started = ApplicationStatus.labels(), _("Not started")
    overview_url = url_template("applications.overview", "permit_id")
    # Permits in the same state share their next step's words: translated once a page.
    actions: dict[tuple, str] = {}
    facts = {}
    for permit in permits:
        status = statuses.get(permit.permit_id)
        state = (permit.status, permit.role, status)
        if state not in actions:
            actions[state] = next_action(*state)
        acts = permit.role in (PartyRole.OWNER, PartyRole.AGENT) and not _permit_ended(
            permit.status, status
        )
        facts[permit.permit_id] = HomeApplication(
            status_label=not_started if status is None else labels[status],
            next_action=actions[state],
            url=overview_url.format(permit_id=permit.permit_id) if acts else "",
        )
    return facts


@dataclass(frozen=True)
class SummaryApplication:
    """The summary's application line, and the department's request when there is one."""

    application: ApplicationLine | None
    # The owner or an agent, who may answer the department (not a contractor, not staff).
    works_on_application: bool


def _summary_step(
    permit: Permit, role: PartyRole, application: ApplicationLine | None
) -> panels.NextStep:
    """The application's next step; a link only when the reader can act on it (start,
    continue or start again), else what they are waiting for."""
    status = application.status if application is not None else None
    open_to_act = application is None or application.status in _ENDED or application.is_editable
    actionable = (
        role in (PartyRole.OWNER, PartyRole.AGENT)
        and open_to_act
        and not _permit_ended(permit.status_current, status)
    )
    url = url_for("applications.overview", permit_id=permit.id) if actionable else ""
    return panels.NextStep(
        next_action(permit.status_current, role, status), url, panels.RANK_APPLICATION
    )


@panels.summary_fact("application", order=10, panel="application")
def application_summary(
    permit: Permit, role: PartyRole | None, panel: ApplicationPanel
) -> panels.SummaryFact:
    application = panel.application
    works = role in (PartyRole.OWNER, PartyRole.AGENT)
    data = SummaryApplication(application, works)
    requested = application is not None and application.status == S.INFORMATION_REQUESTED
    return panels.SummaryFact(
        key="application",
        data=data,
        template="applications/_summary.html",
        step=None if role is None or requested else _summary_step(permit, role, application),
        lead="applications/_summary_request.html" if requested else "",
    )


@panels.permit_panel(
    "application",
    order=10,
    template="applications/_permit_panel.html",
    title=_l("C of O application"),
)
def application_panel(permit: Permit) -> ApplicationPanel:
    return ApplicationPanel(newest_application(permit.id))


@dataclass(frozen=True)
class PublicApplication:
    """The public status page's line: the newest application's status, nothing it says."""

    status: str | None


@panels.public_panel("application", order=10, template="applications/_public_panel.html")
def public_application(permit: Permit) -> PublicApplication:
    application = newest_application(permit.id)
    # A draft is the applicant's unfinished work, not yet an application to the department.
    if application is None or application.status == S.DRAFT:
        return PublicApplication(None)
    return PublicApplication(application.status.label)
