"""The BLDS permit export and the certificate kinds: only the final certificate gives
"Occupancy" and a COIssuedDate; a permit with only a partial or temporary certificate
exports its own status and no C of O date (it is not completed)."""

import csv
import io
from datetime import date

from portal.applications.models import ApplicationStatus
from portal.certificates.models import CertificateKind
from portal.extensions import db
from portal.permits.models import PermitStatus
from tests.factories import make_application, make_permit, make_user
from tests.factories.certificates import issued_certificate
from tests.support.exports import exported


def _certify(permit, staff, kind, granted: date, sequence: int, status):
    application = make_application(permit, make_user(), status=status)
    certificate = issued_certificate(application, staff, sequence, kind=kind)
    certificate.versions[0].granted_date = granted
    db.session.commit()
    return certificate


def test_only_the_final_certificate_gives_occupancy_and_the_c_of_o_date(staff_client, staff):
    partial = make_permit(permit_num="BP-PARTIAL", status_current=PermitStatus.INSPECTION_PHASE)
    temporary = make_permit(permit_num="BP-TEMPORARY", status_current=PermitStatus.INSPECTION_PHASE)
    final = make_permit(permit_num="BP-FINAL", status_current=PermitStatus.FINALED)
    accepted = ApplicationStatus.ACCEPTED
    _certify(partial, staff, CertificateKind.PARTIAL, date(2026, 5, 1), 1, accepted)
    _certify(temporary, staff, CertificateKind.TEMPORARY, date(2026, 5, 2), 2, accepted)
    _certify(final, staff, CertificateKind.PARTIAL, date(2026, 4, 1), 3, accepted)
    _certify(
        final, staff, CertificateKind.FINAL, date(2026, 6, 3), 4, ApplicationStatus.COFO_ISSUED
    )

    response = exported(staff_client)
    rows = {
        row["PermitNum"]: row
        for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    }
    for number in ("BP-PARTIAL", "BP-TEMPORARY"):
        assert rows[number]["StatusCurrentMapped"] == "Inspection Phase"
        assert rows[number]["COIssuedDate"] == rows[number]["CompletedDate"] == ""
    assert rows["BP-FINAL"]["StatusCurrentMapped"] == "Occupancy"
    assert rows["BP-FINAL"]["COIssuedDate"] == "2026-06-03"
