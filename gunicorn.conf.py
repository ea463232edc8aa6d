"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers suit a database-bound app; 2 per core plus one is gunicorn's own advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The app logs each request as JSON itself (LOG_FORMAT=json); gunicorn's access log would
# print full paths, which may hold status-link tokens.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# With LOG_FORMAT=json, gunicorn's own lines (workers booting, timeouts) are JSON objects too,
# so one log pipeline reads every line the service writes.
if os.environ.get("LOG_FORMAT") == "json":
    _json_handler = {"class": "logging.StreamHandler", "formatter": "json",
                     "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "accessreq.observability.JSONFormatter"}},
        "handlers": {"console": _json_handler, "error_console": _json_handler},
        "root": {"level": loglevel.upper(), "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"],
                               "propagate": False, "qualname": "gunicorn.error"},
        },
    }
