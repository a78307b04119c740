"""Pages that show several features, filled by the features themselves.

The permit page and the applicant home belong to permits/, the lowest feature, yet show what
applications, payments, inspections and certificates know. Rather than permits/ importing the
features built on it (an import circle), each feature registers what it contributes here, in
its own `contributions` module, and the page asks for the contributions when it renders
(Indico's signal pattern, as a plain registry). The public status page has its own panels,
registered the same way, whose data holds only what the city publishes. This module imports
no feature; create_app imports every feature's contributions.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A permit page panel's builder gets the permit and returns what its template shows, or None
# to show nothing. A home fact's builder gets the page's parties and returns a value per
# permit id, computed for all of them at once so the page's query count stays fixed.
PanelBuilder = Callable[[Any], object | None]
FactBuilder = Callable[[Sequence[Any]], Mapping[int, object]]


@dataclass(frozen=True)
class _Registered:
    key: str
    order: int
    template: str
    build: PanelBuilder


@dataclass(frozen=True)
class Panel:
    """One feature's part of the permit page: its template renders `panel`, the data."""

    key: str
    template: str
    data: object


_permit_panels: dict[str, _Registered] = {}
# The public status page (/status/<permit number>) has panels of its own: what the city
# publishes about the permit, for anyone, so never the parties, documents or fees.
_public_panels: dict[str, _Registered] = {}
_home_facts: dict[str, FactBuilder] = {}


def permit_panel(key: str, *, order: int, template: str) -> Callable[[PanelBuilder], PanelBuilder]:
    """Register a panel of the permit page; panels show in `order`, smallest first."""

    def register(build: PanelBuilder) -> PanelBuilder:
        _permit_panels[key] = _Registered(key, order, template, build)
        return build

    return register


def public_panel(key: str, *, order: int, template: str) -> Callable[[PanelBuilder], PanelBuilder]:
    """Register a panel of the public status page; its data must hold nothing personal."""

    def register(build: PanelBuilder) -> PanelBuilder:
        _public_panels[key] = _Registered(key, order, template, build)
        return build

    return register


def home_fact(key: str) -> Callable[[FactBuilder], FactBuilder]:
    """Register a fact the applicant home shows for each permit, as `row.facts[key]`."""

    def register(build: FactBuilder) -> FactBuilder:
        _home_facts[key] = build
        return build

    return register


def _built(registry: dict[str, _Registered], permit: Any) -> list[Panel]:
    panels = []
    for registered in sorted(registry.values(), key=lambda item: item.order):
        data = registered.build(permit)
        if data is not None:
            panels.append(Panel(registered.key, registered.template, data))
    return panels


def permit_panels(permit: Any) -> list[Panel]:
    return _built(_permit_panels, permit)


def public_panels(permit: Any) -> list[Panel]:
    return _built(_public_panels, permit)


def home_facts(parties: Sequence[Any]) -> dict[int, dict[str, object]]:
    """Every registered fact for each permit of `parties`: {permit id: {key: value}}."""
    facts: dict[int, dict[str, object]] = {party.permit_id: {} for party in parties}
    if not parties:
        return facts
    for key, build in _home_facts.items():
        for permit_id, value in build(parties).items():
            facts[permit_id][key] = value
    return facts
