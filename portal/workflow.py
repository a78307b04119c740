"""One transition table per status: the only place that says which moves are allowed."""

import enum
from collections.abc import Mapping

from portal.errors import IllegalTransition


class LabelledStatus(enum.StrEnum):
    """A status stored by its value and shown by the department's label.

    Members are declared as ``DRAFT = "draft", _l("Draft")``.
    """

    def __new__(cls, value: str, label: object):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class TransitionTable:
    def __init__(self, allowed: Mapping[enum.Enum, set[enum.Enum]]) -> None:
        self.allowed = allowed

    def can(self, current: enum.Enum, target: enum.Enum) -> bool:
        return target in self.allowed.get(current, set())

    def check(self, current: enum.Enum, target: enum.Enum) -> None:
        if not self.can(current, target):
            raise IllegalTransition()
