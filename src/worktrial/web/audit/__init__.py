"""The audit log: every view and change of candidate data, append-only."""
