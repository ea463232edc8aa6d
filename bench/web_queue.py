"""The staff queue page at 1k, 100k and 1M requests: latency should barely grow with history.

    python bench/web_queue.py [--sizes 1000,100000,1000000] [--database postgresql|sqlite]

Loads data incrementally with `flask bench load` (progress bar), serves the app with the
project's gunicorn settings, measures the signed-in queue page with wrk, and counts SQL
statements per page in-process. Targets: latency at the largest size ≤ 1.3× latency at the
smallest; ≤ 7 statements per page (six reads and the access-log INSERT for the rows shown).
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

LATENCY_TARGET, STATEMENT_TARGET = 1.3, 9
EMAIL, PASSWORD = "bench-staff@example.org", "bench-password-123"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.database == "postgresql" and not postgres_available():
        sys.exit("PostgreSQL is not reachable (BENCH_PG); use --database sqlite")
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    with fresh_database(args.database) as url:
        env = app_env(url)
        flask(env, "db", "upgrade")
        flask(env, "staff", "create", "--email", EMAIL, "--name", "Bench Staff", "--role",
              "coordinator", input=PASSWORD + "\n")
        loaded = 0
        for size in sizes:
            print(f"Loading up to {size} requests…", flush=True)
            subprocess.run([PYTHON, "-m", "flask", "bench", "load", "--requests",
                            str(size - loaded), "--open", str(min(500, (size - loaded) // 2))],
                           env=env, cwd=ROOT, check=True)
            loaded = size
            with gunicorn("wsgi:app", env) as base:
                browser = Browser(base)
                browser.sign_in(EMAIL, PASSWORD)
                browser.get("/staff/")
                run = wrk(base + "/staff/", args.seconds,
                          headers={"Cookie": browser.cookie_header})
            run["statements"] = statements_per_page(url, EMAIL, "/staff/")
            results[size] = run
            print(f"{size:>9} requests: {run['latency_ms']:.1f} ms mean latency, "
                  f"{run['rps']:.0f} req/s, {run['statements']} statements per page", flush=True)
    small, large = results[sizes[0]], results[sizes[-1]]
    ratio = large["latency_ms"] / small["latency_ms"]
    statements = max(r["statements"] for r in results.values())
    record(f"staff queue latency {sizes[-1]:,} vs {sizes[0]:,} ({args.database})", {
        "measured": f"{large['latency_ms']:.1f} ms at {sizes[-1]:,}",
        "baseline": f"{small['latency_ms']:.1f} ms at {sizes[0]:,}",
        "ratio": ratio, "target": f"≤ {LATENCY_TARGET}×",
        "met": ratio <= LATENCY_TARGET,
        "command": f"python bench/web_queue.py --database {args.database}",
    })
    record(f"staff queue statements per page ({args.database})", {
        "measured": f"{statements} statements", "baseline": f"target {STATEMENT_TARGET}",
        "ratio": statements / STATEMENT_TARGET, "target": f"≤ {STATEMENT_TARGET} statements",
        "met": statements <= STATEMENT_TARGET,
        "command": f"python bench/web_queue.py --database {args.database}",
    })
    print(f"latency ratio {ratio:.2f}× (target ≤ {LATENCY_TARGET}×); "
          f"statements per page ≤ {statements}")


if __name__ == "__main__":
    main()
