"""All activities on one blueprint: importing the modules registers their functions."""

from __future__ import annotations

from activities import publish, reads, writes
from activities.registry import bp

__all__ = ["bp", "publish", "reads", "writes"]
