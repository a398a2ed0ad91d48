"""Classifying for the web service: one request (classify and record the run), batches, the
live classifier slot (reloads, saves joining it) and its sync with decisions saved elsewhere."""
