"""Webhooks: admins register endpoints; changes to requests and events queue signed
deliveries in the same transaction (``hooks.py``), and a sender POSTs them (``sender.py``)."""
