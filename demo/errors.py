"""Errors of the demo itself (a stand-in that would not start, a build that did not succeed)."""

from __future__ import annotations


class DemoError(Exception):
    """The demo cannot go on; the message says what failed and where its logs are."""
