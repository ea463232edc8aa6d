"""The languages attendees can read the service in: which ones, how one is chosen, and the
page direction each needs. Catalogues live in ``accessreq/translations/`` (gettext, Flask-Babel).

Attendee pages and attendee emails are translated; staff pages stay English for now.
"""
