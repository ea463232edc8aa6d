"""The JSON API (``/api/v1/…``) for event platforms and other systems: API clients with hashed
bearer tokens and scopes (admins manage them), and endpoints built with flask-smorest so the
OpenAPI document is generated from the same schemas that validate requests."""
