"""What a certificate says: the answers staff give when issuing or correcting it, checked."""

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.applications.models import CertificateType
from portal.certificates.errors import InvalidCertificate
from portal.extensions import db
from portal.inspections.models import InspectionRequest, InspectionResult, InspectionStatus

MAX_LOAD = 1_000_000
# The fields a version stores from the answers, in the form's order.
ANSWER_FIELDS = (
    "certificate_type",
    "portion_of_building",
    "occupancy_load",
    "occupancy_groups",
    "construction_type",
    "granted_date",
    "expires_on",
    "description",
    "conditions",
    "outstanding_matters",
)


def cofo_granted_with_outstanding_matters(permit_id: int) -> bool:
    """Whether a C of O inspection was granted with outstanding matters: the certificate
    must then state them."""
    found = db.session.scalar(
        select(InspectionRequest.id)
        .where(
            InspectionRequest.permit_id == permit_id,
            InspectionRequest.status == InspectionStatus.PASSED,
            InspectionRequest.result == InspectionResult.GRANTED_OUTSTANDING,
        )
        .limit(1)
    )
    return found is not None


def check_answers(answers: Mapping, permit_id: int) -> dict:
    """The certificate's fields, checked: the form checks them too, but the rule lives here."""
    given = answers.get("certificate_type")
    certificate_type = CertificateType._value2member_map_.get(given) if given else None
    if not isinstance(certificate_type, CertificateType):
        raise InvalidCertificate(_l("Choose the certificate type"), "certificate_type")
    portion = (answers.get("portion_of_building") or "").strip()
    if not portion:
        raise InvalidCertificate(
            _l("Enter the portion of the building the certificate covers"), "portion_of_building"
        )
    load = answers.get("occupancy_load")
    if not isinstance(load, int) or isinstance(load, bool) or not 0 < load <= MAX_LOAD:
        raise InvalidCertificate(
            _l("Enter the occupancy load as a whole number above 0, like 40"), "occupancy_load"
        )
    granted = answers.get("granted_date")
    if not isinstance(granted, date):
        raise InvalidCertificate(_l("Enter the granted date"), "granted_date")
    expires = _checked_expiry(certificate_type, granted, answers.get("expires_on"))
    conditions = (answers.get("conditions") or "").strip()
    if not conditions and cofo_granted_with_outstanding_matters(permit_id):
        raise InvalidCertificate(
            _l(
                "The C of O inspection was granted with outstanding matters: "
                "enter them as conditions"
            ),
            "conditions",
        )
    outstanding = (answers.get("outstanding_matters") or "").strip()
    if certificate_type == CertificateType.TEMPORARY and not outstanding:
        raise InvalidCertificate(
            _l("List the outstanding matters to finish before the temporary certificate expires"),
            "outstanding_matters",
        )
    return {
        "certificate_type": certificate_type,
        "portion_of_building": portion,
        "occupancy_load": load,
        "occupancy_groups": list(answers.get("occupancy_groups") or []),
        "construction_type": (answers.get("construction_type") or "").strip(),
        "granted_date": granted,
        "expires_on": expires,
        "description": (answers.get("description") or "").strip(),
        "conditions": conditions,
        "outstanding_matters": outstanding,
    }


def _checked_expiry(certificate_type: CertificateType, granted: date, expires) -> date | None:
    """Only a temporary certificate expires, and after it is granted."""
    if certificate_type != CertificateType.TEMPORARY:
        return None
    if not isinstance(expires, date):
        raise InvalidCertificate(
            _l("Enter the date the temporary certificate expires"), "expires_on"
        )
    if expires <= granted:
        raise InvalidCertificate(_l("The expiry date must be after the granted date"), "expires_on")
    return expires
