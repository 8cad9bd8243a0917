"""Submissions: uploaded git bundles, verified and unpacked into bare repositories."""
