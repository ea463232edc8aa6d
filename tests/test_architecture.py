"""The feature packages build on each other in one direction only, so there is no import cycle.

Each package is imported alone, every module of it, in a fresh interpreter; the feature packages
that got loaded must be among the ones it may use, directly or through them. Shared pieces that
belong to no feature (``columns``, ``timeutil``, ``forms``, ``guards``, ``extensions``...) may be
used by any package. ``accessreq/__init__.py`` (``create_app``) and ``accessreq/models.py`` are
the composition root: they import everything and are not checked here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "accessreq"

# package -> the feature packages it may import directly. Lower layers first; a package may only
# name packages listed above it, which test_the_allowed_directions_have_no_cycle checks.
MAY_IMPORT: dict[str, frozenset[str]] = {
    # Which language a page is in; the other packages translate through flask_babel alone.
    "i18n": frozenset(),
    "notifications": frozenset({"i18n"}),
    "events": frozenset(),
    "auth": frozenset({"notifications"}),
    "feedback": frozenset({"auth", "i18n", "notifications"}),
    "routing": frozenset({"auth", "events"}),
    "requests": frozenset({"auth", "events", "i18n", "notifications", "routing"}),
    "inbound": frozenset({"auth", "events", "notifications", "requests", "routing"}),
    # Providers today; bookings of requests' accommodations for events as issue 12 goes on.
    "arranging": frozenset({"auth", "events", "notifications", "requests", "routing"}),
    # triage holds the staff inbox's pages (the inbox's rules are in inbound).
    "triage": frozenset({"arranging", "auth", "events", "feedback", "i18n", "inbound",
                         "notifications", "requests", "routing"}),
    # CSV exports of the queue's filter (triage's queries) and of reports; the formula guard
    # is arranging's (the run sheet's CSV had it first).
    "exports": frozenset({"arranging", "auth", "events", "requests", "routing", "triage"}),
    # Reports read requests, their bookings and the teams; their tables download as CSV.
    "reports": frozenset({"arranging", "auth", "events", "exports", "requests", "routing"}),
    # Webhooks watch requests' history and events (a session listener create_app registers);
    # endpoint secrets are sealed with the outbox's sealing.
    "webhooks": frozenset({"auth", "events", "notifications", "requests", "routing"}),
    # The JSON API: events, requests and the staff changes through their own services.
    "api": frozenset({"auth", "events", "i18n", "notifications", "requests", "routing",
                      "triage"}),
}

# Imports every module of one package and prints, for each other feature package that got
# loaded, the module whose import loaded it first.
_PROBE = """
import importlib, json, pkgutil, sys
name = sys.argv[1]
features = set(json.loads(sys.argv[2]))
def loaded():
    return {m.split(".")[1] for m in sys.modules if m.startswith("accessreq.") and
            m.split(".")[1] in features}
package = importlib.import_module("accessreq." + name)
found = {p: package.__name__ for p in loaded()}
for module in pkgutil.iter_modules(package.__path__):
    importlib.import_module(f"{package.__name__}.{module.name}")
    for p in loaded() - found.keys():
        found[p] = f"{package.__name__}.{module.name}"
found.pop(name, None)
print(json.dumps(found))
"""


def _feature_packages() -> set[str]:
    return {p.parent.name for p in PACKAGE_DIR.glob("*/__init__.py")}


def _reachable(package: str) -> set[str]:
    seen: set[str] = set()
    todo = list(MAY_IMPORT[package])
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(MAY_IMPORT[current])
    return seen


def test_every_feature_package_has_its_allowed_imports_listed():
    assert set(MAY_IMPORT) == _feature_packages()


def test_the_allowed_directions_have_no_cycle():
    order = list(MAY_IMPORT)
    for position, package in enumerate(order):
        assert MAY_IMPORT[package] <= set(order[:position]), (
            f"{package} may only import packages listed before it in MAY_IMPORT")
        assert package not in _reachable(package)


@pytest.mark.slow  # a fresh interpreter per package
@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imported_alone_loads_only_the_packages_it_may_use(package):
    features = sorted(_feature_packages())
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, package, json.dumps(features)],
        cwd=PACKAGE_DIR.parent, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, str] = json.loads(result.stdout)
    forbidden = {p: by for p, by in loaded.items() if p not in _reachable(package)}
    assert not forbidden, (
        f"importing accessreq.{package} loads packages it may not use "
        f"(package: first module that loaded it): {forbidden}")
