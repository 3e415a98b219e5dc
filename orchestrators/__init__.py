"""Durable orchestrators: the image build pipeline, the replication monitor, the scheduled rollout."""
