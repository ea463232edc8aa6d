"""WSGI entry point: ``gunicorn wsgi:app``."""

from accessreq import create_app

app = create_app()
