"""All entry points on one blueprint: importing the modules registers their functions."""

from __future__ import annotations

from triggers import http_api, queue_builds, rollout_timer
from triggers.registry import bp

__all__ = ["bp", "http_api", "queue_builds", "rollout_timer"]
