"""Imports every model module so the metadata is complete for Alembic and create_all."""

from portal import audit, timeline  # noqa: F401
from portal.applications import models as applications_models  # noqa: F401
from portal.auth import models as auth_models  # noqa: F401
from portal.certificates import models as certificates_models  # noqa: F401
from portal.documents import models as documents_models  # noqa: F401
from portal.inspections import models as inspections_models  # noqa: F401
from portal.notifications import models as notifications_models  # noqa: F401
from portal.payments import models as payments_models  # noqa: F401
from portal.permits import models as permits_models  # noqa: F401
from portal.settings import models as settings_models  # noqa: F401
