"""Local simulator of the Azure Resource Manager Compute API (development and tests only; never deployed)."""
