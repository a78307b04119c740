"""Offset pagination whose count stops at a cap, so a long queue costs the same as a short one."""

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from portal.extensions import db

COUNT_CAP = 1000


@dataclass
class CappedPage:
    items: list
    page: int
    per_page: int
    total: int
    # True when there are more than `total` rows: the page says "1,000+".
    total_capped: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_capped(query: Select, page: int, per_page: int, cap: int = COUNT_CAP) -> CappedPage:
    """One page of ``query`` plus a count of at most ``cap`` rows (beyond it, pages run on)."""
    page = max(page, 1)
    counted = select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery())
    total = db.session.scalar(counted) or 0
    capped = total > cap
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    if capped:
        # Past the cap the count is unknown: allow one more page while this one is full.
        total = max(
            cap, (page - 1) * per_page + len(items) + (per_page if len(items) == per_page else 0)
        )
    return CappedPage(list(items), page, per_page, total, capped)
