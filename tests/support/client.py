"""The test client every test uses: it posts forms with a valid CSRF token, as a browser would."""

import secrets

from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer


class PortalClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts, as a browser would."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, **kwargs):
        # Each request gets its own app context, as in production: otherwise it would
        # reuse the test's, and flask.g (the signed-in user, the CSRF token) would leak
        # from one request or client to the next.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args, **kwargs):
        data = kwargs.get("data")
        if isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)
