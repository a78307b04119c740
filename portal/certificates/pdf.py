"""The certificate PDF: plain data in, tagged (PDF/UA) bytes out.

WeasyPrint never sees a model or the database, only the dict `certificate_data` builds,
and its URL fetcher (portal/pdf_fetching.py) refuses everything but the app's own static
files and the seal it is given.
"""

from dataclasses import dataclass
from pathlib import Path

import segno
from flask import current_app, render_template
from flask_babel import gettext as _
from weasyprint import HTML

from portal import languages, pdf_structure
from portal.notifications.services import email_link
from portal.pdf_fetching import StaticOnlyFetcher
from portal.settings import contact, seal
from portal.template_helpers import long_date

PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "certificates/pdf.html"


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int


def verification_url(code: str) -> str:
    return email_link("certificates.verify", number=code)


def qr_alt(url: str) -> str:
    return _("QR code: verify this certificate at %(url)s", url=url)


def qr_svg(url: str) -> str:
    """The QR code as inline SVG; its title is what the tagged PDF gives as alt text."""
    return segno.make(url, error="m").svg_inline(scale=3, title=qr_alt(url))


def department_details() -> dict:
    """The seal and how to reach the department, as the admins keep them (settings)."""
    uploaded = seal.current()
    details = contact.current()
    return {
        "seal_src": uploaded.data_uri() if uploaded else seal.PLACEHOLDER,
        "department_address": ", ".join(
            line.strip() for line in details.counter_address.splitlines() if line.strip()
        ),
        "department_phone": details.phone,
    }


def statement(city: str) -> str:
    """The certificate's legal statement, in the language being rendered."""
    return _(
        "This certifies that the portion of the building described above has been inspected "
        "and found to comply substantially with the requirements of the building code and the "
        "ordinances of the %(city)s for the occupancy group(s) and occupancy load stated, as "
        "of the granted date.",
        city=city,
    )


def certificate_data(version, *, code: str, number: str, kind) -> dict:
    """What the PDF prints, as strings: the renderer gets nothing else.

    A certificate in another language than English also prints the English title and
    statement: the English text is the one of record, as the department's ordinances are
    written."""
    config = current_app.config
    url = verification_url(code)
    language = languages.current()
    title_of_record = statement_of_record = ""
    if language != languages.DEFAULT:
        with languages.rendering_in(languages.DEFAULT):
            title_of_record = _("%(kind)s Certificate of Occupancy", kind=kind.label)
            statement_of_record = statement(config["PORTAL_CITY"])
    return {
        "language": language,
        "statement": statement(config["PORTAL_CITY"]),
        "title_of_record": title_of_record,
        "statement_of_record": statement_of_record,
        "city": config["PORTAL_CITY"],
        "department": config["PORTAL_DEPARTMENT"],
        "number": number,
        "version": version.version_number,
        "code": code,
        "permit_num": version.permit_num,
        "address": version.address,
        "owner_name": version.owner_name,
        "owner_address": version.owner_address,
        "portion_of_building": version.portion_of_building,
        "occupancy_groups": ", ".join(version.occupancy_groups or []),
        "occupancy_load": str(version.occupancy_load),
        "construction_type": version.construction_type,
        "certificate_type": str(kind.label),
        "certificate_type_value": version.certificate_type.value,
        "expires_on": long_date(version.expires_on),
        "granted_date": long_date(version.granted_date),
        "description": version.description,
        "conditions": version.conditions,
        "outstanding_matters": version.outstanding_matters,
        "official_name": version.official_name,
        "official_title": version.official_title,
        "verify_url": url,
        "qr_svg": qr_svg(url),
        **department_details(),
    }


# Anchors the template sets at the end of the details and at the top of the foot.
MAIN_END, FOOT_START = "main-end", "foot-start"


def _layout(data: dict, *, flowing: bool):
    html = render_template(
        TEMPLATE, flowing=flowing, main_end=MAIN_END, foot_start=FOOT_START, **data
    )
    # The app always has its static folder (portal/static); create_app does not turn it off.
    static = str(current_app.static_folder)
    supplied = (data["seal_src"],) if data["seal_src"].startswith("data:") else ()
    return HTML(
        string=html,
        base_url=Path(static).resolve().as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(static, supplied),
    ).render()


def _fits(document) -> bool:
    """Whether the details end above the foot (long conditions or a long description run
    into it)."""
    anchors = document.pages[0].anchors
    if MAIN_END not in anchors or FOOT_START not in anchors:
        return False
    return anchors[MAIN_END][1] <= anchors[FOOT_START][1]


def render(data: dict) -> Rendered:
    """One framed page with the foot at its bottom; a certificate too long for one page is
    laid out again to flow onto the next (rare, so most certificates are laid out once)."""
    document = _layout(data, flowing=False)
    if not _fits(document):
        document = _layout(data, flowing=True)
    written = document.write_pdf(pdf_variant=PDF_VARIANT)
    return Rendered(data=pdf_structure.resolve_table_headers(written), pages=len(document.pages))
