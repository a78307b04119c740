"""Public verification: what anyone holding a certificate number may learn about it."""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.certificates.models import (
    NUMBER_PREFIX,
    Certificate,
    CertificateVersion,
    VersionStatus,
)
from portal.certificates.numbering import format_number
from portal.certificates.phases import is_expired
from portal.extensions import db

# CO-2026-000123, optionally with the version: CO-2026-000123-V2
CODE_PATTERN = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}})-(\d{{6}})(?:-V([1-9]\d{{0,3}}))?$")


@dataclass(frozen=True)
class Verification:
    # valid, expired, replaced (by the final certificate), superseded (by a newer version),
    # revoked, unknown, malformed
    state: str
    code: str
    certificate: Certificate | None = None
    version: CertificateVersion | None = None
    current: CertificateVersion | None = None


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def verify(code: str) -> Verification:
    """What the public may know about a certificate number (optionally with -V<version>)."""
    code = normalise_code(code)
    match = CODE_PATTERN.match(code)
    if match is None:
        return Verification("malformed", code)
    number = format_number(int(match[1]), int(match[2]))
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.number == number)
        .options(selectinload(Certificate.versions), joinedload(Certificate.superseded_by))
    )
    if certificate is None:
        return Verification("unknown", code)
    current = certificate.current_version
    if match[3] is None:
        version = current or certificate.latest_version
    else:
        version = next((v for v in certificate.versions if v.version_number == int(match[3])), None)
    if version is None:
        return Verification("unknown", code)
    if certificate.is_revoked:
        return Verification("revoked", code, certificate, version)
    if certificate.is_superseded:
        return Verification("replaced", code, certificate, version)
    if version.status == VersionStatus.CURRENT:
        if is_expired(version):
            return Verification("expired", code, certificate, version, version)
        return Verification("valid", code, certificate, version, version)
    return Verification("superseded", code, certificate, version, current)
