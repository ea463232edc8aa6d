"""Public form: submit (POST with CSRF, validation, insert, outbox rows) and the form GET,
each vs a bare Flask hello endpoint under the same gunicorn settings.

    python bench/web_form.py [--database sqlite|postgresql|both] [--seconds 10]

Targets: submit ≥ 0.35× hello, form GET ≥ 0.6× hello. Load from wrk.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import (Browser, app_env, flask, fresh_database, gunicorn,  # noqa: E402
                           postgres_available, record, wrk)

SUBMIT_TARGET, GET_TARGET = 0.35, 0.6

POST_SCRIPT = """
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{cookie}"
"""


def measure(database: str, seconds: int) -> None:
    with gunicorn("bench.hello_app:app") as base:
        hello = wrk(base + "/", seconds)
    with fresh_database(database) as url:
        env = app_env(url)
        flask(env, "db", "upgrade")
        flask(env, "demo", "--force")
        with gunicorn("wsgi:app", env) as base:
            browser = Browser(base)
            page = browser.get("/")
            event_path = re.search(r'href="(/events/\d+)"', page).group(1)
            form_path = event_path + "/request"
            form_html = browser.get(form_path)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form_html).group(1)
            first_type = re.search(r'name="accommodations"[^>]*value="(\d+)"', form_html).group(1)
            body = urlencode({
                "csrf_token": token, "contact_name": "Bench Attendee",
                "contact_email": "bench@example.net", "contact_channel": "email",
                "contact_phone": "", "for_whom": "me", "attendee_name": "",
                "accommodations": first_type, "anything_else": "", "consent": "y",
            })
            get = wrk(base + form_path, seconds)
            post = wrk(base + form_path, seconds,
                       script=POST_SCRIPT.format(body=body, cookie=browser.cookie_header))
            if post["errors"] or get["errors"]:
                sys.exit(f"non-2xx/3xx answers: GET {get['errors']}, POST {post['errors']}")
    for name, result, target in (("submit (POST)", post, SUBMIT_TARGET), ("page (GET)", get, GET_TARGET)):
        ratio = result["rps"] / hello["rps"]
        print(f"{database} {name}: {result['rps']:.0f} req/s vs hello {hello['rps']:.0f} req/s "
              f"= {ratio:.2f}×")
        record(f"public form {name} ({database})", {
            "measured": f"{result['rps']:.0f} req/s", "baseline": f"hello {hello['rps']:.0f} req/s",
            "ratio": ratio, "target": f"≥ {target}×", "met": ratio >= target,
            "command": f"python bench/web_form.py --database {database}",
        })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        if kind == "postgresql" and not postgres_available():
            print("PostgreSQL is not reachable; skipping it.")
            continue
        measure(kind, args.seconds)


if __name__ == "__main__":
    main()
