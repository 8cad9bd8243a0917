"""Malignancy screening: training and prediction."""
