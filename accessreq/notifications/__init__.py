"""Email: templates, the transactional outbox and the sender that delivers it."""
