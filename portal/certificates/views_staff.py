"""Staff: the certificate queues, issuing, and one certificate's versions, corrections,
revocation and downloads."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import calendar
from portal.access import current_actor, staff
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.applications.review import mark_not_applicable
from portal.certificates import issuing, pdf, reading, versions
from portal.certificates.answers import ANSWER_FIELDS, cofo_granted_with_outstanding_matters
from portal.certificates.errors import InvalidCertificate
from portal.certificates.forms import (
    CorrectionForm,
    IssueForm,
    NotApplicableForm,
    RevokeForm,
    VersionForm,
)
from portal.certificates.models import VersionStatus
from portal.certificates.queue import IssuedForm, ReadyForm, issued_certificates, ready_to_issue
from portal.documents.store import send_stored
from portal.errors import DomainError
from portal.forms import show_refusal

# ---- the queues -----------------------------------------------------------------------------


@staff
def staff_list():
    form = ReadyForm.from_request()
    return render_template("certificates/staff_list.html", form=form, page=ready_to_issue(form))


@staff
def issued_list():
    form = IssuedForm.from_request()
    return render_template(
        "certificates/issued_list.html", form=form, page=issued_certificates(form)
    )


# ---- issuing --------------------------------------------------------------------------------


def _application_or_404(application_id: int):
    application = reading.application_for_issue(application_id)
    if application is None:
        abort(404)
    return application


def _prefilled_issue_form(application) -> IssueForm:
    form = IssueForm(formdata=None)
    form.version.data = str(application.version)
    form.certificate_type.data = (
        application.certificate_type.value if application.certificate_type else "full"
    )
    form.portion_of_building.data = application.partial_portion or application.portion_of_building
    form.occupancy_load.data = application.occupancy_load
    form.occupancy_groups.data = application.occupancy_groups or []
    form.construction_type.data = application.construction_type
    form.granted_date.data = calendar.local_today()
    form.description.data = application.permit.description
    return form


def _issue_page(application, issue_form, *, na_form=None, complete_form=None):
    if na_form is None:
        na_form = NotApplicableForm(formdata=None, prefix="na")
        na_form.version.data = str(application.version)
    if complete_form is None:
        complete_form = VersionForm(formdata=None, prefix="complete")
        complete_form.version.data = str(application.version)
    guards = issuing.issue_guards(application)
    status = application.status
    return render_template(
        "certificates/issue.html",
        application=application,
        permit=application.permit,
        issue_form=issue_form,
        na_form=na_form,
        complete_form=complete_form,
        # The form that failed, for the page title and the error summary.
        form=next((f for f in (issue_form, na_form, complete_form) if f.errors), None),
        guards=guards,
        guards_ok=all(g.ok for g in guards),
        outstanding=cofo_granted_with_outstanding_matters(application.permit_id),
        can_complete=status == ApplicationStatus.ACCEPTED,
        can_not_applicable=APPLICATION_TRANSITIONS.can(status, ApplicationStatus.NOT_APPLICABLE),
        certificate=reading.certificate_for_application(application.id),
    )


@staff
def issue(application_id: int):
    application = _application_or_404(application_id)
    if request.method == "GET":
        return _issue_page(application, _prefilled_issue_form(application))
    form = IssueForm()
    if not form.validate_on_submit():
        return _issue_page(application, form)
    try:
        certificate = issuing.issue(application, current_actor(), form.version.data, form.answers())
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _issue_page(application, form)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("certificates.issue", application_id=application_id))
    flash(_("Certificate %(number)s issued and emailed.", number=certificate.number), "success")
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate.id))


@staff
def inspections_complete(application_id: int):
    application = _application_or_404(application_id)
    form = VersionForm(prefix="complete")
    if not form.validate_on_submit():
        return _issue_page(application, _prefilled_issue_form(application), complete_form=form)
    try:
        issuing.mark_inspections_complete(application, current_actor(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The application is now at Inspections Complete."), "success")
    return redirect(url_for("certificates.issue", application_id=application_id))


@staff
def not_applicable(application_id: int):
    application = _application_or_404(application_id)
    form = NotApplicableForm(prefix="na")
    if not form.validate_on_submit():
        return _issue_page(application, _prefilled_issue_form(application), na_form=form)
    try:
        mark_not_applicable(application, current_actor(), form.version.data, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("certificates.issue", application_id=application_id))
    flash(_("Application marked not applicable."), "success")
    return redirect(url_for("applications.review", application_id=application_id))


# ---- one certificate ------------------------------------------------------------------------


def _certificate_or_404(certificate_id: int):
    certificate = reading.certificate_for_staff(certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _correction_form(certificate) -> CorrectionForm:
    form = CorrectionForm(formdata=None)
    version = certificate.current_version
    if version is not None:
        answers = versions.version_answers(version)
        form.certificate_type.data = answers["certificate_type"].value
        for name in ANSWER_FIELDS:
            if name != "certificate_type":
                getattr(form, name).data = answers[name]
    return form


def _certificate_page(certificate, correction=None, revoke_form=None, form=None):
    return render_template(
        "certificates/staff_certificate.html",
        certificate=certificate,
        permit=certificate.permit,
        correction=correction or _correction_form(certificate),
        revoke_form=revoke_form or RevokeForm(formdata=None, prefix="revoke"),
        form=form,
        statuses=VersionStatus,
        verify_url=pdf.verification_url,
        appointment=reading.open_appointment(certificate.id),
        cancelled_pickup=reading.pickup_cancelled_by_revocation(certificate),
    )


@staff
def staff_certificate(certificate_id: int):
    return _certificate_page(_certificate_or_404(certificate_id))


@staff
def regenerate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _certificate_page(certificate, correction=form, form=form)
    try:
        version = versions.regenerate(
            certificate, current_actor(), form.answers(), form.reason.data
        )
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _certificate_page(_certificate_or_404(certificate_id), correction=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "Version %(n)s issued; the previous version is superseded.",
                n=version.version_number,
            ),
            "success",
        )
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate_id))


@staff
def revoke(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _certificate_page(certificate, revoke_form=form, form=form)
    try:
        versions.revoke(certificate, current_actor(), form.reason.data, confirmed=form.confirm.data)
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _certificate_page(certificate, revoke_form=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Certificate %(number)s revoked.", number=certificate.number), "success")
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate_id))


@staff
def staff_download(certificate_id: int, version_id: int):
    certificate = _certificate_or_404(certificate_id)
    version = next((v for v in certificate.versions if v.id == version_id), None)
    if version is None:
        abort(404)
    name = version.filename
    if version.status != VersionStatus.CURRENT:
        name = name.removesuffix(".pdf") + f"-{version.status.value.upper()}.pdf"
    return send_stored(version.stored_file, name)
