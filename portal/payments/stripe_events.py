"""What a usable Stripe event looks like: the fields fulfilment reads, of the types it reads.

The signature proves who sent an event, not that its body has the shape the portal
expects (an API version change, a test sent by hand from the dashboard, or an object
Stripe expanded). A verified event that fails these checks is refused with a 400 and a
log line before anything is read from it, instead of failing half-way with a 500.
"""

# payments.id is a 32-bit integer column on PostgreSQL.
MAX_ID = 2**31 - 1


def _is_text(value, length: int = 255) -> bool:
    return isinstance(value, str) and 0 < len(value) <= length


def _is_text_or_none(value, length: int = 255) -> bool:
    return value is None or _is_text(value, length)


def _is_int_or_none(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def header_problem(event) -> str | None:
    """Why the event's id and type cannot be used, or None."""
    if not isinstance(event, dict):
        return "the event is not an object"
    if not _is_text(event.get("id")):
        return "the event id is not text"
    if not _is_text(event.get("type"), 100):
        return "the event type is not text"
    return None


def event_object(event: dict):
    data = event.get("data")
    return data.get("object") if isinstance(data, dict) else None


def session_problem(session) -> str | None:
    """Why a Checkout Session cannot be fulfilled from, or None."""
    if not isinstance(session, dict):
        return "data.object is not an object"
    if not _is_text(session.get("id")):
        return "the session id is not text"
    if not isinstance(session.get("metadata"), dict | None):
        return "metadata is not an object"
    for field in ("status", "payment_status", "currency", "payment_intent"):
        if not _is_text_or_none(session.get(field)):
            return f"{field} is not text"
    if not _is_int_or_none(session.get("amount_total")):
        return "amount_total is not a whole number"
    return None


def charge_problem(charge) -> str | None:
    """Why a refunded Charge cannot be applied, or None."""
    if not isinstance(charge, dict):
        return "data.object is not an object"
    if not _is_text_or_none(charge.get("payment_intent")):
        return "payment_intent is not an id"
    if not isinstance(charge.get("refunded"), bool):
        return "refunded is not true or false"
    if not _is_int_or_none(charge.get("amount_refunded")):
        return "amount_refunded is not a whole number"
    return None


def payment_id(session: dict) -> int | None:
    """The portal's payment id the session's metadata names, or None."""
    metadata = session.get("metadata") or {}
    raw = metadata.get("payment_id")
    if raw is None:
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None
