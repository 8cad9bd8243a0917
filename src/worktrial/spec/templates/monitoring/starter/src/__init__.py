"""Batch monitor for the deployed cultivar classifier."""
