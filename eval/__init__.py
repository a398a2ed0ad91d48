"""Evaluation harness: cross-validated metrics, baselines, calibration, latency and a report.

`innogrowth eval run` sends a labelled dataset through the same `Classifier` the API uses, never
letting a record see itself in the index, and compares it with simple baselines on the same folds.
"""
