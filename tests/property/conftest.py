"""Property-based bad input (hypothesis): profiles, and a counter of examples and responses.

Profiles (chosen with HYPOTHESIS_PROFILE; `make test` and CI use "ci", `make fuzz` uses "fuzz"):
  ci    EXAMPLES_PER_TEST["ci"] examples per property test: 2,200 in all (at least 2,000)
  fuzz  EXAMPLES_PER_TEST["fuzz"] per test: 11,000 in all (at least 10,000)
Both: no deadline (a 100 kB value on PostgreSQL takes its time), random (not derandomised)
so each run tries new inputs, and print_blob so a failure prints the line that replays it.

Fixtures and Hypothesis: the suite's ``app`` fixture is function-scoped, so it is built once per
property test and shared by all of that test's examples (Hypothesis does not re-run fixtures
between examples). That is intended here, and why HealthCheck.function_scoped_fixture is
suppressed: every example makes what it changes itself (a fresh request where an example can
finish one, e.g. a cancel or a status change) or only adds to shared data (messages, notes,
requests on one event), and reads back by id, so no example depends on another.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from .inputs import STATS

PROPERTY_TESTS = 11  # the @given tests in this folder; the totals below assume it
EXAMPLES_PER_TEST = {"ci": 200, "fuzz": 1000}

# too_slow and data_too_large: the ~100 kB values are meant, and slow to build and send.
for _name, _count in EXAMPLES_PER_TEST.items():
    settings.register_profile(
        _name, max_examples=_count, deadline=None, derandomize=False, print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large])
# Loaded here, before the test modules import (and @given reads the default settings).
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not STATS:
        return
    terminalreporter.section("property-based bad input")
    terminalreporter.write_line(
        f"profile {PROFILE}: {STATS['examples']} examples run, responses "
        f"2xx {STATS['2xx']}, 3xx {STATS['3xx']}, 4xx {STATS['4xx']}, 5xx {STATS['5xx']}")
