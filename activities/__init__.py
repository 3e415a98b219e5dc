"""Durable activities: one small function per Azure step, thin over the imagefactory domain."""
