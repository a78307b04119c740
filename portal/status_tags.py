"""What each status means to the person reading it, drawn as the colour of its tag.

One table for every status the portal shows in a tag, so the same meaning always has the
same colour: action needed (gold), in progress (blue), done (green), refused (red), or
ended without either (grey). The label itself says the same in words ("Outstanding",
"Under review", "Paid", "Rejected"), so the colour is never the only sign. Keyed by the
status's class name and value, so this shared module imports no feature.
"""

from markupsafe import Markup, escape

ACTION, PROGRESS, DONE, REFUSED, ENDED = "action", "progress", "done", "refused", "ended"

TONES: dict[str, dict[str, str]] = {
    "ApplicationStatus": {
        "draft": ACTION,
        "submitted": PROGRESS,
        "under_review": PROGRESS,
        "information_requested": ACTION,
        "resubmitted": PROGRESS,
        "accepted": DONE,
        "inspections_complete": DONE,
        "cofo_issued": DONE,
        "rejected": REFUSED,
        "not_applicable": REFUSED,
        "withdrawn": ENDED,
    },
    "PermitStatus": {
        "Issued": PROGRESS,
        "Inspection Phase": PROGRESS,
        "Finaled": DONE,
        "Expired": ENDED,
        "Revoked": REFUSED,
    },
    "InspectionStatus": {
        "requested": PROGRESS,
        "scheduled": PROGRESS,
        "passed": DONE,
        "failed": ACTION,
        "partial": ACTION,
        "no_access": ACTION,
        "cancelled": ENDED,
    },
    "InspectionResult": {
        "passed": DONE,
        "failed": ACTION,
        "partial": ACTION,
        "no_access": ACTION,
        "cancelled": ENDED,
        "granted_complete": DONE,
        "granted_outstanding": ACTION,
        "cofo_failed": ACTION,
    },
    "FeeStatus": {"outstanding": ACTION, "paid": DONE, "waived": DONE, "refunded": ENDED},
    "PaymentStatus": {
        "pending": PROGRESS,
        "succeeded": DONE,
        "failed": REFUSED,
        "expired": ENDED,
        "refunded": ENDED,
    },
    "VersionStatus": {"current": DONE, "superseded": ENDED, "revoked": REFUSED},
    # A permit import: a failed one waits for the admin (upload again, or retry the job).
    "ImportStatus": {
        "queued": PROGRESS,
        "running": PROGRESS,
        "done": DONE,
        "rejected": REFUSED,
        "failed": ACTION,
    },
    # An open-data export: a failed one waits for its staff member (export again, or retry
    # the job); an expired one's file was removed after its time.
    "ExportStatus": {
        "queued": PROGRESS,
        "running": PROGRESS,
        "done": DONE,
        "failed": ACTION,
        "expired": ENDED,
    },
    "PickupStatus": {
        "booked": PROGRESS,
        "picked_up": DONE,
        "no_show": ACTION,
        "cancelled": ENDED,
    },
    "RequestStatus": {
        "requested": PROGRESS,
        "accepted": DONE,
        "refused": REFUSED,
        "withdrawn": ENDED,
    },
}


def tone(status) -> str:
    """The status's meaning; a status missing from TONES is a KeyError, not a grey tag."""
    return TONES[type(status).__name__][status.value]


def status_tag(status) -> Markup:
    """The status's label in a USWDS tag coloured by its meaning (portal.css)."""
    return Markup('<span class="usa-tag portal-tag portal-tag--%s">%s</span>') % (
        tone(status),
        escape(str(status.label)),
    )
