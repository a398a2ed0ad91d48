"""Builds everything retrieval needs into a new build directory and switches `current`."""
