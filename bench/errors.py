"""Errors raised by the benchmark suite itself (not by the product it measures)."""

from __future__ import annotations


class BenchError(Exception):
    """Base of every benchmark failure that should stop the run with a readable message."""


class ScenarioError(BenchError):
    """A scenario or command-line choice is invalid (names the field and the rule)."""


class PipelineRunError(BenchError):
    """A measured pipeline did not finish, so its figures would be meaningless."""
