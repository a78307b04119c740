"""What the applications feature adds to the pages permits/ owns (see portal/panels.py):
the application's panel on the permit page, its status and next step in the permit page's
summary (a request for information as an alert at the top), its status and the next step on
the home, and its status (never its answers) on the public status page."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from portal import panels
from portal.applications.models import ApplicationStatus, CofOApplication
from portal.extensions import db
from portal.permits.models import PartyRole, Permit, PermitParty, PermitStatus
from portal.template_helpers import contact_link

S = ApplicationStatus
_WAITING = {S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED}
_ENDED = {S.REJECTED, S.NOT_APPLICABLE, S.WITHDRAWN}


def latest_applications(permit_ids: Sequence[int]) -> dict[int, CofOApplication]:
    """Each permit's newest application, in one query whatever the number of permits."""
    if not permit_ids:
        return {}
    newest = (
        select(func.max(CofOApplication.id))
        .where(CofOApplication.permit_id.in_(permit_ids))
        .group_by(CofOApplication.permit_id)
    )
    applications = db.session.scalars(
        select(CofOApplication)
        .where(CofOApplication.id.in_(newest))
        .options(lazyload(CofOApplication.permit))
    ).all()
    return {application.permit_id: application for application in applications}


def _permit_ended(permit: Permit, application: CofOApplication | None) -> bool:
    """No application under way on an expired or revoked permit: only the department can help."""
    live = application is not None and application.status not in _ENDED
    return not live and permit.status_current in (PermitStatus.EXPIRED, PermitStatus.REVOKED)


def next_action(permit: Permit, role: PartyRole, application: CofOApplication | None) -> str:
    """The one thing this party should do next, from the permit's newest application."""
    applies = role in (PartyRole.OWNER, PartyRole.AGENT)
    status = application.status if application is not None else None
    if status is None or status in _ENDED:
        if _permit_ended(permit, application):
            return contact_link(
                _(
                    "The permit is %(status)s: contact the department",
                    status=permit.status_current.label,
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


@dataclass(frozen=True)
class HomeApplication:
    """The home's application column and next step for one permit."""

    application: CofOApplication | None
    next_action: str
    # The next action is to contact the department: it carries its own link to the help page.
    contact_department: bool = False


@dataclass(frozen=True)
class ApplicationPanel:
    application: CofOApplication | None


@panels.home_fact("application")
def home_applications(parties: Sequence[PermitParty]) -> dict[int, HomeApplication]:
    applications = latest_applications([party.permit_id for party in parties])
    return {
        party.permit_id: HomeApplication(
            application=applications.get(party.permit_id),
            next_action=next_action(party.permit, party.role, applications.get(party.permit_id)),
            contact_department=_permit_ended(party.permit, applications.get(party.permit_id)),
        )
        for party in parties
    }


@dataclass(frozen=True)
class SummaryApplication:
    """The summary's application line, and the department's request when there is one."""

    application: CofOApplication | None
    # The owner or an agent, who may answer the department (not a contractor, not staff).
    works_on_application: bool


def _summary_step(
    permit: Permit, role: PartyRole, application: CofOApplication | None
) -> panels.NextStep:
    """The application's next step; a link only when the reader can act on it (start,
    continue or start again), else what they are waiting for."""
    open_to_act = application is None or application.status in _ENDED or application.is_editable
    actionable = (
        role in (PartyRole.OWNER, PartyRole.AGENT)
        and open_to_act
        and not _permit_ended(permit, application)
    )
    url = url_for("applications.overview", permit_id=permit.id) if actionable else ""
    return panels.NextStep(next_action(permit, role, application), url, panels.RANK_APPLICATION)


@panels.summary_fact("application", order=10)
def application_summary(permit: Permit, role: PartyRole | None) -> panels.SummaryFact:
    application = latest_applications([permit.id]).get(permit.id)
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
    return ApplicationPanel(latest_applications([permit.id]).get(permit.id))


@dataclass(frozen=True)
class PublicApplication:
    """The public status page's line: the newest application's status, nothing it says."""

    status: str | None


@panels.public_panel("application", order=10, template="applications/_public_panel.html")
def public_application(permit: Permit) -> PublicApplication:
    application = latest_applications([permit.id]).get(permit.id)
    # A draft is the applicant's unfinished work, not yet an application to the department.
    if application is None or application.status == S.DRAFT:
        return PublicApplication(None)
    return PublicApplication(application.status.label)
