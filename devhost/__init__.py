"""Local runner for any Azure Functions Python v2 app, with the real Durable replay (development and tests only)."""
