"""A certificate version's PDF as a download, or, while the render job has not made it
yet, a page saying it is being prepared (503 with Retry-After, never a 404 or a 500)."""

from flask import make_response, render_template

from portal.certificates import rendering
from portal.certificates.models import CertificateVersion
from portal.documents.store import send_stored


def send_version(version: CertificateVersion, filename: str, back_url: str):
    """The PDF; while it is being prepared, the page that says so, with a link to try again
    and one back. Its job is queued again (deduplicated), so a job lost with a restarted
    process is redone as soon as someone asks for the file."""
    if version.pdf_ready:
        return send_stored(version.stored_file, filename)
    rendering.requeue(version)
    response = make_response(
        render_template("certificates/pdf_pending.html", version=version, back_url=back_url), 503
    )
    response.headers["Retry-After"] = str(rendering.RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
