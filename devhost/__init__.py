"""Local runner for any Azure Functions Python v2 app, with the real Durable replay.

Development and tests only; never deployed.
"""
