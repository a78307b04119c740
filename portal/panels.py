"""Pages that show several features, filled by the features themselves.

The permit page and the applicant home belong to permits/, the lowest feature, yet show what
applications, payments, inspections and certificates know. Rather than permits/ importing the
features built on it (an import circle), each feature registers what it contributes here, in
its own `contributions` module, and the page asks for the contributions when it renders
(Indico's signal pattern, as a plain registry). The public status page has its own panels,
registered the same way, whose data holds only what the city publishes. The permit page's
summary (issue 16) is filled the same way: each feature adds its facts (a line of the
status list) and, when it has one, the next step it asks of the reader; the page leads with
the one step that matters most. This module imports no feature; create_app imports every
feature's contributions.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A permit page panel's builder gets the permit and returns what its template shows, or None
# to show nothing. A home fact is a column of the home's one statement: its `column` gets the
# page's permit id column and returns a SQL expression of it (a correlated scalar subquery),
# so the page reads every fact of every row at once. Its builder gets the page's permits
# (permits.home.HomePermit: the permit's id and status, the reader's role) and the column's
# value for each ({permit id: value}), and returns a value per permit id; a permit it has
# nothing to say of may be left out. The home shows many rows: values are text ready to show.
PanelBuilder = Callable[[Any], object | None]
FactColumn = Callable[[Any], Any]
FactBuilder = Callable[[Sequence[Any], Mapping[int, Any]], Mapping[int, object]]
# A summary fact's builder gets the permit, the reader's role on it (None for staff, who
# act from the staff record) and the data of its feature's permit panel (see summary_fact),
# and returns its fact, or None when it has nothing to say.
SummaryBuilder = Callable[[Any, Any, Any], "SummaryFact | None"]


@dataclass(frozen=True)
class _Registered:
    key: str
    order: int
    template: str
    build: PanelBuilder
    # The section's heading, for the permit page's jump links (its template's h2 has id=key).
    title: object = ""


@dataclass(frozen=True)
class Panel:
    """One feature's part of the permit page: its template renders `panel`, the data."""

    key: str
    template: str
    data: object
    title: object = ""


# Ranks of the next steps, smallest first: money owed (it blocks inspections and the
# pickup), then the application, then the inspections. (What the department asked for is not
# ranked: it leads the page as an alert, see SummaryFact.lead.)
RANK_FEES = 20
RANK_APPLICATION = 30
RANK_INSPECTIONS = 40


@dataclass(frozen=True)
class NextStep:
    """What the reader should do next: a link's words and address, or, without an address,
    what they are waiting for."""

    text: str
    url: str = ""
    rank: int = RANK_INSPECTIONS


@dataclass(frozen=True)
class SummaryFact:
    """One feature's part of the permit page's summary.

    `template` renders its lines of the status list (dt/dd pairs; "" for none) from `data`;
    `step` is the next step it asks for; `lead` is a template shown first, in place of the
    next step, because it is the permit's outcome or the department's word (the issued
    certificate with its download and pickup, a request for information as an alert), and
    carries its own actions."""

    key: str
    data: object = None
    template: str = ""
    step: NextStep | None = None
    lead: str = ""


@dataclass(frozen=True)
class _RegisteredHomeFact:
    column: FactColumn
    build: FactBuilder


@dataclass(frozen=True)
class _RegisteredFact:
    order: int
    build: SummaryBuilder
    # The key of the permit panel whose data the builder reads, or "".
    panel: str = ""


@dataclass(frozen=True)
class Summary:
    """The top of the permit page: its leads, or else its one next step, then its facts."""

    facts: list[SummaryFact]

    @property
    def leads(self) -> list[SummaryFact]:
        return [fact for fact in self.facts if fact.lead]

    @property
    def next_step(self) -> NextStep | None:
        """The step to show when nothing leads: something to do before something to wait
        for, then the smallest rank."""
        if self.leads:
            return None
        steps = [fact.step for fact in self.facts if fact.step is not None]
        return min(steps, key=lambda step: (not step.url, step.rank), default=None)


_permit_panels: dict[str, _Registered] = {}
# The public status page (/status/<permit number>) has panels of its own: what the city
# publishes about the permit, for anyone, so never the parties, documents or fees.
_public_panels: dict[str, _Registered] = {}
_home_facts: dict[str, _RegisteredHomeFact] = {}
_summary_facts: dict[str, _RegisteredFact] = {}


def permit_panel(
    key: str, *, order: int, template: str, title: object = ""
) -> Callable[[PanelBuilder], PanelBuilder]:
    """Register a panel of the permit page; panels show in `order`, smallest first. With a
    `title`, the summary's jump links lead to it (its template's h2 has id=key)."""

    def register(build: PanelBuilder) -> PanelBuilder:
        _permit_panels[key] = _Registered(key, order, template, build, title)
        return build

    return register


def summary_fact(
    key: str, *, order: int, panel: str = ""
) -> Callable[[SummaryBuilder], SummaryBuilder]:
    """Register a fact of the permit page's summary; facts show in `order`, smallest first.

    With `panel`, the key of a permit panel, the builder gets that panel's data as its third
    argument (else None): the summary says what the panel shows, so the page reads it once
    (issue 17: the summary read it all again, 8 more statements)."""

    def register(build: SummaryBuilder) -> SummaryBuilder:
        _summary_facts[key] = _RegisteredFact(order, build, panel)
        return build

    return register


def public_panel(key: str, *, order: int, template: str) -> Callable[[PanelBuilder], PanelBuilder]:
    """Register a panel of the public status page; its data must hold nothing personal."""

    def register(build: PanelBuilder) -> PanelBuilder:
        _public_panels[key] = _Registered(key, order, template, build)
        return build

    return register


def home_fact(key: str, *, column: FactColumn) -> Callable[[FactBuilder], FactBuilder]:
    """Register a fact the applicant home shows for each permit, as `row.facts[key]`; the
    home reads `column(permit_id)` in its own statement (issue 17: a statement per fact cost
    more than the facts themselves)."""

    def register(build: FactBuilder) -> FactBuilder:
        _home_facts[key] = _RegisteredHomeFact(column, build)
        return build

    return register


def _built(registry: dict[str, _Registered], permit: Any) -> list[Panel]:
    panels = []
    for registered in sorted(registry.values(), key=lambda item: item.order):
        data = registered.build(permit)
        if data is not None:
            panels.append(Panel(registered.key, registered.template, data, registered.title))
    return panels


def permit_panels(permit: Any) -> list[Panel]:
    return _built(_permit_panels, permit)


def permit_summary(permit: Any, role: Any, shown: Sequence[Panel] = ()) -> Summary:
    """Every registered summary fact of the permit, as the reader in `role` reads it.

    `shown`: the page's panels, already built; a fact whose panel is not among them builds
    it."""
    built = {panel.key: panel.data for panel in shown}
    facts = []
    for registered in sorted(_summary_facts.values(), key=lambda item: item.order):
        data = None
        if registered.panel in built:
            data = built[registered.panel]
        elif registered.panel:
            data = _permit_panels[registered.panel].build(permit)
        fact = registered.build(permit, role, data)
        if fact is not None:
            facts.append(fact)
    return Summary(facts)


def public_panels(permit: Any) -> list[Panel]:
    return _built(_public_panels, permit)


def home_fact_columns(permit_id: Any) -> list[Any]:
    """Every registered home fact's column of `permit_id`, labelled with its key."""
    return [fact.column(permit_id).label(key) for key, fact in _home_facts.items()]


def home_facts(permits: Sequence[Any], rows: Sequence[Any]) -> dict[int, dict[str, object]]:
    """Every registered fact for each of `permits`: {permit id: {key: value}}, from the
    `rows` of the home's statement (each with `permit_id` and a value under each key)."""
    facts: dict[int, dict[str, object]] = {permit.permit_id: {} for permit in permits}
    if not permits:
        return facts
    for key, fact in _home_facts.items():
        values = {row.permit_id: getattr(row, key) for row in rows}
        for permit_id, value in fact.build(permits, values).items():
            facts[permit_id][key] = value
    return facts
