"""Certificate numbers: CO-<year>-<six digits>, one sequence a year with no gaps."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.certificates.models import NUMBER_PREFIX, CertificateCounter
from portal.db_locks import begin_write
from portal.extensions import db


def format_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:06d}"


def take_number(year: int) -> int:
    """The next number of the year, under the counter row's lock (created on first use).

    A second issuer waits here until the first commits or rolls back (on SQLite, which
    ignores FOR UPDATE, at begin_write's write lock), so numbers are never shared and a
    rolled-back issue leaves no gap.
    """
    begin_write()
    query = (
        select(CertificateCounter)
        .where(CertificateCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.scalar(query)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(CertificateCounter(year=year, last_number=0))
        except IntegrityError:
            pass
        counter = db.session.scalars(query).one()
    counter.last_number += 1
    return counter.last_number
