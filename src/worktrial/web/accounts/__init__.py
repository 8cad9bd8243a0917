"""Organizations, their members and roles, and API tokens."""
