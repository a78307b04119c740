"""Files in the document store, addressed by the SHA-256 of their content."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models import Base, TimestampMixin


class StoredFile(TimestampMixin, Base):
    """Immutable bytes: a new version of a document is a new row with its own hash."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
