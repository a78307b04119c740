"""Staff: the certificate queues, issuing, and one certificate's versions, corrections,
revocation and downloads."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import calendar
from portal.access import current_actor, staff
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.applications.review import mark_not_applicable
from portal.certificates import issuing, panel, pdf, phases, reading, versions
from portal.certificates.answers import ANSWER_FIELDS, cofo_granted_with_outstanding_matters
from portal.certificates.downloads import send_version
from portal.certificates.errors import InvalidCertificate
from portal.certificates.forms import (
    CorrectionForm,
    ExtendForm,
    IssueForm,
    NotApplicableForm,
    ResendForm,
    RevokeForm,
    VersionForm,
)
from portal.certificates.models import (
    KIND_OF_REQUEST,
    TYPE_OF_KIND,
    CertificateKind,
    VersionStatus,
)
from portal.certificates.queue import IssuedForm, ReadyForm, issued_certificates, ready_to_issue
from portal.errors import DomainError
from portal.forms import show_refusal
from portal.template_helpers import long_date

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


def _request_or_none(application):
    """The occupancy request the issue answers (``?request=``), if it is this permit's."""
    request_id = request.args.get("request", type=int)
    if request_id is None:
        return None
    found = reading.request_for_permit(application.permit, request_id)
    if found is None or not found.is_open or found.kind not in KIND_OF_REQUEST:
        abort(404)
    return found


def _kind(application, occupancy_request) -> CertificateKind:
    if occupancy_request is not None:
        return KIND_OF_REQUEST[occupancy_request.kind]
    asked = request.args.get("kind", "")
    return CertificateKind._value2member_map_.get(asked, CertificateKind.FINAL)  # type: ignore[return-value]


def _with_recipients(form, application):
    form.recipients.choices = [(email, email) for email in reading.record_contacts(application)]
    return form


def _prefilled_issue_form(application, kind, occupancy_request=None) -> IssueForm:
    form = _with_recipients(IssueForm(formdata=None), application)
    form.recipients.data = [value for value, _label in form.recipients.choices]
    form.version.data = str(application.version)
    form.certificate_type.data = TYPE_OF_KIND[kind].value
    form.portion_of_building.data = (
        occupancy_request.portion
        if occupancy_request is not None
        else application.partial_portion or application.portion_of_building
    )
    form.occupancy_load.data = application.occupancy_load
    form.occupancy_groups.data = application.occupancy_groups or []
    form.construction_type.data = application.construction_type
    form.granted_date.data = calendar.local_today()
    form.description.data = application.permit.description
    return form


def _issue_page(application, issue_form, *, na_form=None, complete_form=None, kind=None):
    occupancy_request = _request_or_none(application)
    kind = kind or _kind(application, occupancy_request)
    if na_form is None:
        na_form = NotApplicableForm(formdata=None, prefix="na")
        na_form.version.data = str(application.version)
    if complete_form is None:
        complete_form = VersionForm(formdata=None, prefix="complete")
        complete_form.version.data = str(application.version)
    guards = issuing.issue_guards(application, kind)
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
        certificates=reading.certificates_for_application(application.id),
        kind=kind,
        kinds=CertificateKind,
        occupancy_request=occupancy_request,
    )


def _prefilled(application):
    occupancy_request = _request_or_none(application)
    return _prefilled_issue_form(
        application, _kind(application, occupancy_request), occupancy_request
    )


@staff
def issue(application_id: int):
    application = _application_or_404(application_id)
    if request.method == "GET":
        return _issue_page(application, _prefilled(application))
    form = _with_recipients(IssueForm(), application)
    kind = issuing.kind_of(form.answers())
    if not form.validate_on_submit():
        return _issue_page(application, form, kind=kind)
    try:
        certificate = issuing.issue(
            application,
            current_actor(),
            form.version.data,
            form.answers(),
            request=_request_or_none(application),
            recipients=form.recipients.data,
        )
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _issue_page(application, form, kind=kind)
    except DomainError as error:
        flash(error.message, "error")
        # Back to the same page: the kind or the request it was issuing for.
        values: dict[str, Any] = {**request.args.to_dict(), "application_id": application_id}
        return redirect(url_for("certificates.issue", **values))
    flash(
        _(
            "Certificate %(number)s issued. Its PDF is being prepared; it is emailed to the "
            "recipients as soon as it is ready.",
            number=certificate.number,
        ),
        "success",
    )
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate.id))


@staff
def inspections_complete(application_id: int):
    application = _application_or_404(application_id)
    form = VersionForm(prefix="complete")
    if not form.validate_on_submit():
        return _issue_page(application, _prefilled(application), complete_form=form)
    try:
        issuing.mark_inspections_complete(application, current_actor(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The application is now at “Inspections complete”."), "success")
    return redirect(url_for("certificates.issue", application_id=application_id))


@staff
def not_applicable(application_id: int):
    application = _application_or_404(application_id)
    form = NotApplicableForm(prefix="na")
    if not form.validate_on_submit():
        return _issue_page(application, _prefilled(application), na_form=form)
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


def _resend_form(certificate, form=None):
    """Who may receive the certificate again: everyone on the record, all ticked at first."""
    application = reading.application_for_issue(certificate.application_id)
    if form is not None:
        return _with_recipients(form, application)
    form = _with_recipients(ResendForm(formdata=None, prefix="resend"), application)
    form.recipients.data = [value for value, _label in form.recipients.choices]
    return form


def _certificate_page(
    certificate, correction=None, revoke_form=None, form=None, resend_form=None, extend_form=None
):
    return render_template(
        "certificates/staff_certificate.html",
        certificate=certificate,
        permit=certificate.permit,
        correction=correction or _correction_form(certificate),
        revoke_form=revoke_form or RevokeForm(formdata=None, prefix="revoke"),
        resend_form=_resend_form(certificate, resend_form),
        extend_form=extend_form or ExtendForm(formdata=None, prefix="extend"),
        expired=phases.is_expired(certificate.current_version),
        form=form,
        statuses=VersionStatus,
        verify_url=pdf.verification_url,
        appointment=reading.open_appointment(certificate.id),
        cancelled_pickup=reading.pickup_cancelled_by_revocation(certificate),
    )


@staff
def staff_certificate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    panel.requeue_missing_pdfs([certificate])
    return _certificate_page(certificate)


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
def resend(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = _resend_form(certificate, ResendForm(prefix="resend"))
    if not form.validate_on_submit():
        return _certificate_page(certificate, resend_form=form, form=form)
    try:
        sent = versions.resend(certificate, current_actor(), form.recipients.data)
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _certificate_page(certificate, resend_form=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Certificate emailed again to %(to)s.", to=", ".join(sent)), "success")
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate_id))


@staff
def extend(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ExtendForm(prefix="extend")
    if not form.validate_on_submit():
        return _certificate_page(certificate, extend_form=form, form=form)
    try:
        # Extending from the certificate's page answers the owner's open request too.
        version = versions.extend(
            certificate,
            current_actor(),
            form.expires_on.data,
            form.reason.data,
            request=reading.open_extension_request(certificate.id),
        )
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _certificate_page(_certificate_or_404(certificate_id), extend_form=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "Extended to %(date)s: version %(n)s issued.",
                date=long_date(version.expires_on),
                n=version.version_number,
            ),
            "success",
        )
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
    return send_version(
        version, name, url_for("certificates.staff_certificate", certificate_id=certificate_id)
    )
