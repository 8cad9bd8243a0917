"""Evaluation jobs: rows with leases and heartbeats, run by Celery workers."""
