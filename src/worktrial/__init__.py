"""worktrial: evidence-based scoring of ML trial projects."""

__version__ = "0.1.0"
