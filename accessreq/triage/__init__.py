"""The staff dashboard: the queue, a request's page, and the actions staff take on it."""
