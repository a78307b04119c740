"""The design's conventions, checked mechanically (docs/architecture.md): imports run down the
layers, URLs look alike, statuses move only through their transition tables, modules stay
small."""

import ast
import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Feature packages from the bottom up: each may import only those before it.
LAYERS = (
    "jobs",
    "documents",
    "notifications",
    "settings",
    "auth",
    "permits",
    "applications",
    "payments",
    "inspections",
    "certificates",
    "admin",
)
# Shared modules at the top of portal/ import no feature, except these (each named for why).
SHARED_MODULE_FEATURES = {
    "access": {"auth"},  # the User type of current_actor(), for the type checker only
    "calendar": {"settings"},  # the holidays admins configure
    "error_pages": {"documents"},  # the page for a document store that cannot be reached
    "events": {"notifications"},  # queues the emails of an event
    "search": {"auth", "permits"},  # search conditions on people and permits
}
# Above every feature: the app factory, the commands, the demo, the table registry, the
# background tasks and their worker.
TOP_MODULES = {"__init__", "cli", "demo", "demo_occupancy", "models_registry", "tasks", "worker"}


def _modules():
    return sorted(path for path in PORTAL.rglob("*.py") if "static" not in path.parts)


def _imported_features(path: Path) -> set[str]:
    """The feature packages a module imports, anywhere in it (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "portal" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
    return found


def test_every_feature_package_has_a_layer():
    packages = {path.parent.name for path in PORTAL.glob("*/__init__.py")}
    assert packages == set(LAYERS)


def test_features_import_only_the_features_below_them():
    upward = []
    for path in _modules():
        relative = path.relative_to(PORTAL)
        if len(relative.parts) == 1:
            continue
        feature = relative.parts[0]
        for imported in _imported_features(path):
            if LAYERS.index(imported) > LAYERS.index(feature):
                upward.append(f"{relative} imports portal.{imported}")
    assert upward == []


def test_shared_modules_import_no_feature_beyond_their_declared_need():
    extra = []
    for path in PORTAL.glob("*.py"):
        if path.stem in TOP_MODULES:
            continue
        allowed = SHARED_MODULE_FEATURES.get(path.stem, set())
        for imported in _imported_features(path) - allowed:
            extra.append(f"portal/{path.name} imports portal.{imported}")
    assert extra == []


def test_no_module_is_over_600_lines():
    long_modules = {
        str(path.relative_to(PORTAL)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > 600
    }
    assert long_modules == {}


# A function longer than this says why in its docstring (the word "long" and the reason).
LONGEST_FUNCTION = 60


def test_a_long_function_says_why_it_is_long():
    unexplained = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            docstring = ast.get_docstring(node) or ""
            if length > LONGEST_FUNCTION and "long" not in docstring.lower():
                unexplained.append(f"{path.relative_to(PORTAL)}:{node.lineno} {node.name}")
    assert unexplained == []


# Records whose status has a transition table: only TransitionTable.move sets it.
STATUS_ASSIGNMENT = re.compile(r"^\s*\w+\.status\s*=(?!=)", re.M)
# The outbox's delivery state and the in-process job queue's are the sender's bookkeeping,
# not a workflow people act on.
STATUS_ASSIGNMENT_ALLOWED = {"notifications/delivery.py", "jobs/local.py"}


def test_statuses_change_only_through_their_transition_tables():
    assignments = [
        str(path.relative_to(PORTAL))
        for path in _modules()
        if STATUS_ASSIGNMENT.search(path.read_text())
        and str(path.relative_to(PORTAL)) not in STATUS_ASSIGNMENT_ALLOWED
    ]
    assert assignments == []


KEBAB_SEGMENT = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*(\.[a-z]+)?|<[^>]+>)$")


def test_url_paths_are_lowercase_kebab_case(app):
    odd = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not all(KEBAB_SEGMENT.match(part) for part in rule.rule.strip("/").split("/") if part)
    ]
    assert odd == []
