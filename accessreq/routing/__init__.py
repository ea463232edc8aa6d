"""Routing: organisations, their teams (queues) and the ordered rules that send a request to one."""
