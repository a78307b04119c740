"""The fee schedule: the amounts each kind of fee costs, in force from a date.

A schedule starts after the day it is added, so nobody is charged an amount they could not
see; one in force, or one a fee was charged from, stays on record. Every change is audited.
"""

from collections.abc import Mapping, Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit, calendar
from portal.errors import DomainError
from portal.extensions import db
from portal.payments.models import Fee, FeeKind, FeeSchedule, FeeScheduleEntry
from portal.settings.services import HORIZON, InvalidSetting


def _schedules():
    return select(FeeSchedule).options(selectinload(FeeSchedule.entries))


def schedule_in_force(today: date) -> FeeSchedule | None:
    return db.session.scalar(
        _schedules()
        .where(FeeSchedule.effective_from <= today)
        .order_by(FeeSchedule.effective_from.desc())
        .limit(1)
    )


def future_schedules(today: date) -> Sequence[FeeSchedule]:
    return db.session.scalars(
        _schedules().where(FeeSchedule.effective_from > today).order_by(FeeSchedule.effective_from)
    ).all()


def amounts_on(day: date) -> dict[FeeKind, FeeScheduleEntry]:
    """Per fee kind, the entry the ledger would charge on a day (as payments.schedule_entry)."""
    entries = db.session.scalars(
        select(FeeScheduleEntry)
        .join(FeeSchedule)
        .where(FeeSchedule.effective_from <= day)
        .order_by(FeeSchedule.effective_from.desc())
    ).all()
    found: dict[FeeKind, FeeScheduleEntry] = {}
    for entry in entries:
        found.setdefault(entry.kind, entry)
    return found


def rows(schedule: FeeSchedule) -> list[tuple[FeeKind, FeeScheduleEntry | None]]:
    """Each fee kind with the schedule's entry for it, if it has one."""
    by_kind = {entry.kind: entry for entry in schedule.entries}
    return [(kind, by_kind.get(kind)) for kind in FeeKind]


def add_schedule(
    actor, *, name: str, effective_from: date, amounts: Mapping[FeeKind, tuple[int | None, str]]
) -> FeeSchedule:
    """A new schedule starts after today, so nobody is charged an amount they could not see.

    ``amounts`` gives each kind's (cents, authority); None leaves the kind out, which is
    refused for a kind the schedule before it charges: the ledger would go on charging
    the older amount, which is not what a blank says.

    Long because each field's check names the form field it belongs to, in the order the form
    shows them.
    """
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the fee schedule."))
    name = (name or "").strip()
    if not name:
        raise InvalidSetting(_l("Enter a name for the schedule"), "name")
    today = calendar.local_today()
    if effective_from <= today:
        raise InvalidSetting(
            _l("A new schedule must start after today: enter a later date"), "effective_from"
        )
    if effective_from > today + HORIZON:
        raise InvalidSetting(_l("Enter a date within the next ten years"), "effective_from")
    taken = _l("A schedule already starts on that date. Remove it first, or choose another date.")
    if db.session.scalar(
        select(FeeSchedule.id).where(FeeSchedule.effective_from == effective_from)
    ):
        raise InvalidSetting(taken, "effective_from")
    before = amounts_on(effective_from)
    schedule = FeeSchedule(name=name, effective_from=effective_from, created_by_id=actor.id)
    details = {}
    for kind in FeeKind:
        cents, authority = amounts.get(kind, (None, ""))
        authority = (authority or "").strip()
        if cents is None:
            if kind in before:
                raise InvalidSetting(
                    _l("Enter the amount: the schedule before this one charges it"),
                    f"amount_{kind.value}",
                )
            continue
        if cents < 0:
            raise InvalidSetting(_l("An amount cannot be negative"), f"amount_{kind.value}")
        if not authority:
            raise InvalidSetting(
                _l("Enter the rule this amount comes from"), f"authority_{kind.value}"
            )
        schedule.entries.append(
            FeeScheduleEntry(kind=kind, amount_cents=cents, authority=authority)
        )
        details[kind.value] = cents
    if not schedule.entries:
        raise InvalidSetting(_l("Enter at least one amount"), f"amount_{next(iter(FeeKind)).value}")
    db.session.add(schedule)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidSetting(taken, "effective_from") from None
    audit.record(
        "fee_schedule.created",
        schedule,
        actor=actor,
        name=name,
        effective_from=effective_from.isoformat(),
        **details,
    )
    db.session.commit()
    return schedule


def remove_schedule(schedule: FeeSchedule, actor) -> None:
    """Only a schedule not yet in force, and that no fee was charged from, can go."""
    if schedule.effective_from <= calendar.local_today():
        raise InvalidSetting(
            _l("This schedule is in force or was in force: it stays on record and cannot change.")
        )
    charged = exists().where(
        Fee.schedule_entry_id == FeeScheduleEntry.id, FeeScheduleEntry.schedule_id == schedule.id
    )
    if db.session.scalar(select(charged)):
        raise InvalidSetting(_l("Fees were already charged from this schedule: it stays."))
    audit.record(
        "fee_schedule.removed",
        schedule,
        actor=actor,
        name=schedule.name,
        effective_from=schedule.effective_from.isoformat(),
    )
    db.session.delete(schedule)
    db.session.commit()
