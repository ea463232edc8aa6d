"""The reports page at 1k and 100k requests: every number is a grouped query, so the page
should not slow down as fast as the data grows.

    python bench/web_reports.py [--sizes 1000,100000] [--database postgresql|sqlite]

Two ways a database reaches 100k requests, each on its own fresh database:
- a longer history: the first 1k requests were received over the last two years, the other
  99k for events over 400 days ago (`flask bench load --older-than 400`), so the report's
  default period (the last 12 months) holds as many requests at 100k as at 1k;
- a busier institution: all 100k over the same two years, so the last 12 months hold 100
  times as many.
Data are loaded with `flask bench load` (progress bar); the app is served with the project's
gunicorn settings; the signed-in report page (its default period, every team, as an admin sees
it) is measured with wrk, and SQL statements per page are counted in-process. Targets: latency
at 100k ≤ 3× latency at 1k; statements per page the same at every size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import (PYTHON, ROOT, Browser, app_env, flask, fresh_database,  # noqa: E402
                           gunicorn, postgres_available, record, statements_per_page,
                           wrk)

LATENCY_TARGET = 3.0
EMAIL, PASSWORD = "bench-admin@example.org", "bench-password-123"
PAGE = "/staff/reports/overview"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.database == "postgresql" and not postgres_available():
        sys.exit("PostgreSQL is not reachable (BENCH_PG); use --database sqlite")
    sizes = [int(s) for s in args.sizes.split(",")]
    for growth, older_than in (("longer history", 400), ("busier institution", None)):
        measure(args, sizes, growth, older_than)


def measure(args, sizes: list[int], growth: str, older_than: int | None) -> None:
    results = {}
    with fresh_database(args.database) as url:
        env = app_env(url)
        flask(env, "db", "upgrade")
        flask(env, "staff", "create", "--email", EMAIL, "--name", "Bench Admin", "--role",
              "admin", input=PASSWORD + "\n")
        loaded = 0
        for size in sizes:
            print(f"{growth}: loading up to {size} requests…", flush=True)
            more = ["--older-than", str(older_than)] if loaded and older_than else []
            subprocess.run([PYTHON, "-m", "flask", "bench", "load", "--requests",
                            str(size - loaded), "--open", str(min(500, (size - loaded) // 2)),
                            *more], env=env, cwd=ROOT, check=True)
            loaded = size
            with gunicorn("wsgi:app", env) as base:
                browser = Browser(base)
                browser.sign_in(EMAIL, PASSWORD)
                browser.get(PAGE)
                run = wrk(base + PAGE, args.seconds, headers={"Cookie": browser.cookie_header})
            assert not run["errors"], f"{run['errors']} failed answers at {size}"
            run["statements"] = statements_per_page(url, EMAIL, PAGE)
            results[size] = run
            print(f"{size:>9} requests: {run['latency_ms']:.1f} ms mean latency, "
                  f"{run['rps']:.0f} req/s, {run['statements']} statements per page", flush=True)
    small, large = results[sizes[0]], results[sizes[-1]]
    ratio = large["latency_ms"] / small["latency_ms"]
    command = f"python bench/web_reports.py --database {args.database}"
    record(f"reports page latency {sizes[-1]:,} vs {sizes[0]:,}, {growth} ({args.database})", {
        "measured": f"{large['latency_ms']:.1f} ms at {sizes[-1]:,}",
        "baseline": f"{small['latency_ms']:.1f} ms at {sizes[0]:,}",
        "ratio": ratio, "target": f"≤ {LATENCY_TARGET}×", "met": ratio <= LATENCY_TARGET,
        "command": command,
    })
    record(f"reports page statements per page, {growth} ({args.database})", {
        "measured": f"{large['statements']} statements at {sizes[-1]:,}",
        "baseline": f"{small['statements']} statements at {sizes[0]:,}",
        "ratio": large["statements"] / small["statements"], "target": "the same at every size",
        "met": large["statements"] == small["statements"], "command": command,
    })
    print(f"{growth}: latency ratio {ratio:.2f}× (target ≤ {LATENCY_TARGET}×); "
          f"statements per page {small['statements']} → {large['statements']}")


if __name__ == "__main__":
    main()
