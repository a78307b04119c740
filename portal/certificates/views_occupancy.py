"""Occupancy requests: the owner or agent asks for partial or temporary occupancy, an
extension or an optional C of O; staff see the queue and decide. Also each certificate's
PDF for the owner, now that a permit can have several."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.access import current_actor, staff
from portal.certificates import occupancy, queue, reading, versions
from portal.certificates.downloads import send_version
from portal.certificates.errors import InvalidCertificate
from portal.certificates.forms import (
    ExtendForm,
    ExtensionRequestForm,
    OccupancyRequestForm,
    OptionalRequestForm,
    RefuseRequestForm,
    VersionForm,
)
from portal.certificates.models import KIND_OF_REQUEST, RequestKind
from portal.documents.store import send_stored
from portal.errors import DomainError
from portal.forms import show_refusal
from portal.permits.access import permit_party
from portal.permits.models import PartyRole, Permit
from portal.template_helpers import long_date

EDITORS = (PartyRole.OWNER, PartyRole.AGENT)


def _back(permit: Permit):
    return redirect(url_for("certificates.certificate", permit_id=permit.id))


# ---- the owner and agents ---------------------------------------------------------------------


@permit_party(*EDITORS, staff_allowed=False)
def request_occupancy(permit: Permit):
    form = OccupancyRequestForm()
    if form.validate_on_submit():
        try:
            occupancy.request_occupancy(
                permit,
                current_actor(),
                RequestKind(form.kind.data),
                portion=form.portion.data,
                wanted_from=form.wanted_from.data,
                reason=form.reason.data,
                files=request.files.getlist(form.documents.name),
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Request sent. The department will accept or refuse it."), "success")
            return _back(permit)
    return render_template("certificates/request_occupancy.html", permit=permit, form=form)


def _certificate_of(permit: Permit, certificate_id: int):
    found = next(
        (c for c in reading.certificates_for_permit(permit.id) if c.id == certificate_id), None
    )
    if found is None:
        abort(404)
    return found


@permit_party(*EDITORS, staff_allowed=False)
def request_extension(permit: Permit, certificate_id: int):
    certificate = _certificate_of(permit, certificate_id)
    form = ExtensionRequestForm()
    if form.validate_on_submit():
        try:
            occupancy.request_extension(
                certificate, current_actor(), form.extend_to.data, form.reason.data
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(
                _("Extension requested. The department will extend it or let it lapse."), "success"
            )
            return _back(permit)
    return render_template(
        "certificates/request_extension.html",
        permit=permit,
        certificate=certificate,
        current=certificate.current_version,
        form=form,
    )


@permit_party(*EDITORS, staff_allowed=False)
def request_optional(permit: Permit):
    form = OptionalRequestForm()
    too_late = occupancy.inspection_recorded(permit.id)
    if not too_late and form.validate_on_submit():
        try:
            occupancy.request_optional(permit, current_actor(), form.reason.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Request sent. The department will approve or refuse it."), "success")
            return redirect(url_for("permits.permit", permit_id=permit.id))
    return render_template(
        "certificates/request_optional.html",
        permit=permit,
        form=form,
        too_late=occupancy.OPTIONAL_TOO_LATE if too_late else None,
    )


@permit_party(*EDITORS)
def download_certificate(permit: Permit, certificate_id: int):
    certificate = _certificate_of(permit, certificate_id)
    current = certificate.current_version
    if current is None or certificate.is_revoked:
        abort(404)
    return send_version(
        current, current.filename, url_for("certificates.certificate", permit_id=permit.id)
    )


# ---- staff ------------------------------------------------------------------------------------


@staff
def request_queue():
    return render_template("certificates/request_queue.html", page=queue.open_requests())


def _request_or_404(occupancy_request_id: int):
    found = reading.request_for_staff(occupancy_request_id)
    if found is None:
        abort(404)
    return found


def _request_page(occupancy_request, *, refuse_form=None, extend_form=None, form=None):
    if refuse_form is None:
        refuse_form = RefuseRequestForm(formdata=None, prefix="refuse")
        refuse_form.version.data = str(occupancy_request.version)
    if extend_form is None:
        extend_form = ExtendForm(formdata=None, prefix="extend")
        extend_form.expires_on.data = occupancy_request.extend_to
        extend_form.reason.data = occupancy_request.reason
    approve_form = VersionForm(formdata=None, prefix="approve")
    approve_form.version.data = str(occupancy_request.version)
    issuable = (
        reading.issuable_application(occupancy_request.permit_id)
        if occupancy_request.kind in KIND_OF_REQUEST
        else None
    )
    return render_template(
        "certificates/staff_request.html",
        occupancy_request=occupancy_request,
        permit=occupancy_request.permit,
        refuse_form=refuse_form,
        extend_form=extend_form,
        approve_form=approve_form,
        issuable=issuable,
        work_begun=occupancy.inspection_recorded(occupancy_request.permit_id),
        form=form,
    )


@staff
def staff_request(occupancy_request_id: int):
    return _request_page(_request_or_404(occupancy_request_id))


def _to_request(occupancy_request_id: int):
    return redirect(
        url_for("certificates.staff_request", occupancy_request_id=occupancy_request_id)
    )


@staff
def refuse_request(occupancy_request_id: int):
    occupancy_request = _request_or_404(occupancy_request_id)
    form = RefuseRequestForm(prefix="refuse")
    if not form.validate_on_submit():
        return _request_page(occupancy_request, refuse_form=form, form=form)
    try:
        occupancy.refuse_request(
            occupancy_request, current_actor(), form.version.data, form.reason.data
        )
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _request_page(occupancy_request, refuse_form=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Request refused. The owner and agents were emailed the reason."), "success")
    return _to_request(occupancy_request_id)


@staff
def approve_optional(occupancy_request_id: int):
    occupancy_request = _request_or_404(occupancy_request_id)
    form = VersionForm(prefix="approve")
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
        return _to_request(occupancy_request_id)
    try:
        occupancy.approve_optional(occupancy_request, current_actor(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Approved: the C of O process now applies to this permit."), "success")
    return _to_request(occupancy_request_id)


@staff
def extend_for_request(occupancy_request_id: int):
    occupancy_request = _request_or_404(occupancy_request_id)
    form = ExtendForm(prefix="extend")
    certificate = occupancy_request.certificate
    if occupancy_request.kind != RequestKind.EXTENSION or certificate is None:
        abort(404)
    if not form.validate_on_submit():
        return _request_page(occupancy_request, extend_form=form, form=form)
    try:
        version = versions.extend(
            certificate,
            current_actor(),
            form.expires_on.data,
            form.reason.data,
            request=occupancy_request,
        )
    except InvalidCertificate as error:
        show_refusal(form, error)
        return _request_page(_request_or_404(occupancy_request_id), extend_form=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
        return _to_request(occupancy_request_id)
    flash(_("Extended to %(date)s.", date=long_date(version.expires_on)), "success")
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate.id))


@staff
def request_document(occupancy_request_id: int, request_document_id: int):
    occupancy_request = _request_or_404(occupancy_request_id)
    document = next((d for d in occupancy_request.documents if d.id == request_document_id), None)
    if document is None:
        abort(404)
    return send_stored(document.stored_file, document.filename)
