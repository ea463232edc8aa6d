"""Reports of accessibility problems with the service itself, sent from the statement page."""
