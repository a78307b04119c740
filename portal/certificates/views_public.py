"""Public verification of a certificate number, rate limited."""

from flask import make_response, redirect, render_template, request, url_for

from portal.access import public
from portal.certificates import verification
from portal.extensions import limiter

# Enough for a person checking a few certificates, too few to walk the number space.
VERIFY_LIMIT = "30 per minute"


@public
@limiter.limit(VERIFY_LIMIT)
def verify_lookup():
    number = request.args.get("number", "").strip()
    if number:
        return redirect(url_for("certificates.verify", number=verification.normalise_code(number)))
    return render_template("certificates/verify_lookup.html")


@public
@limiter.limit(VERIFY_LIMIT)
def verify(number: str):
    result = verification.verify(number[:60])
    status = 404 if result.state in ("unknown", "malformed") else 200
    response = make_response(render_template("certificates/verify.html", result=result), status)
    # A revoked or corrected certificate must show as such at once: never answer from a cache
    # without asking the portal again.
    response.headers["Cache-Control"] = "no-cache"
    return response
