"""Email in: messages to the access address, stored once, classified, and matched to the
request they answer (a reply becomes an attendee message on it)."""
