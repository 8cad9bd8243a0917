"""Reviewer assignments, blind reviews and hiring decisions."""
