"""Starters: queue, timer and HTTP triggers that validate requests and start or query orchestrations."""
