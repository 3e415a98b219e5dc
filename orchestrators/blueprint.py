"""All orchestrators on one blueprint: importing the modules registers their functions."""

from __future__ import annotations

from orchestrators import build_pipeline, ensure_target, prepare_vm, replication_monitor
from orchestrators.registry import bp

__all__ = ["bp", "build_pipeline", "ensure_target", "prepare_vm", "replication_monitor"]
