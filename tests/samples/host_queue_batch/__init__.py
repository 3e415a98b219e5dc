"""Sample function app for devhost queue delivery tests (loaded by path, not imported as a package)."""
