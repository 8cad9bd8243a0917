"""Trials, checkpoints, invitations, candidacies and their comms (questions, updates, feedback)."""
