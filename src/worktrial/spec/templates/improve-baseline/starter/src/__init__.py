"""Digit reader: training and prediction."""
