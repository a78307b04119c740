"""What certificates adds to what permits/ owns: the certificate and its pickup booking on the
permit page (the final certificate in force leads its summary, with Download and Book a
pickup) and the certificates on the public status page (see portal/panels.py), and the C of
O dates in the BLDS permit export."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Subquery, func, select

from portal import panels
from portal.certificates import panel
from portal.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateVersion,
    VersionStatus,
)
from portal.permits import export
from portal.permits.models import PartyRole, Permit


@panels.permit_panel(
    "certificate",
    order=30,
    template="certificates/_permit_panel.html",
    title=_l("Certificates of Occupancy"),
)
def certificate_panel(permit: Permit) -> panel.PermitPanel:
    return panel.permit_panel(permit)


@panels.summary_fact("certificate", order=40, panel="certificate")
def certificate_summary(
    permit: Permit, role: PartyRole | None, shown: panel.PermitPanel
) -> panels.SummaryFact | None:
    editor = role in (PartyRole.OWNER, PartyRole.AGENT)
    issued = panel.summary_certificate(shown, editor)
    if issued is None:
        return None
    return panels.SummaryFact(
        key="certificate", data=issued, lead="certificates/_summary_lead.html"
    )


@panels.public_panel("certificates", order=30, template="certificates/_public_panel.html")
def public_certificates(permit: Permit) -> list[panel.PublicCertificate]:
    return panel.public_certificates(permit)


@export.granted_dates_from
def current_grants() -> Subquery:
    """Each permit's final certificate's grant (its current, unrevoked version): BLDS's
    COIssuedDate and "Occupancy" mean the permit is completed with its C of O. A partial or
    temporary certificate does not complete the permit, so a permit with only those exports
    its own status (Inspection Phase, as a rule) and no COIssuedDate."""
    return (
        select(
            Certificate.permit_id.label("permit_id"),
            func.max(CertificateVersion.granted_date).label("granted_date"),
        )
        .join(CertificateVersion, CertificateVersion.certificate_id == Certificate.id)
        .where(
            Certificate.kind == CertificateKind.FINAL,
            Certificate.revoked_at.is_(None),
            CertificateVersion.status == VersionStatus.CURRENT,
        )
        .group_by(Certificate.permit_id)
        .subquery()
    )
