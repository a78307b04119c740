"""Receipts: a PDF from an HTML template, rendered by WeasyPrint from plain data only."""

from pathlib import Path

from flask import current_app, render_template
from weasyprint import HTML

from portal import languages, pdf_structure
from portal.auth.services import find_by_email
from portal.notifications.services import email_link
from portal.pdf_fetching import StaticOnlyFetcher
from portal.settings import contact


def _static_root() -> Path:
    # The app always has its static folder (portal/static); create_app does not turn it off.
    return Path(str(current_app.static_folder)).resolve()


def receipt_number(payment_id: int, paid_at) -> str:
    return f"R-{paid_at:%Y}-{payment_id:06d}"


def payer_name(payment) -> str:
    """The name of the account the receipt is made out to (its email's), if there is one:
    an online payer's own, or for a counter payment the owner's the receipt is emailed to."""
    account = find_by_email(payment.customer_email) if payment.customer_email else None
    return account.name if account is not None else ""


def render_receipt_pdf(payment) -> bytes:
    """The receipt in the payer's language (their account's), else the owner's, with the
    department's counter address and phone (the admins' contact details) at its head."""
    language = languages.of_account(payment.customer_email) or payment.permit.owner_language
    with languages.rendering_in(language):
        html = render_template(
            "payments/receipt_pdf.html",
            payment=payment,
            permit=payment.permit,
            lines=payment.lines,
            payer_name=payer_name(payment),
            contact=contact.current(),
            help_link=email_link("help.index", _anchor="contact"),
        )
    root = _static_root()
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root))
    return pdf_structure.resolve_table_headers(document.write_pdf(pdf_variant="pdf/ua-1"))
