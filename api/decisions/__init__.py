"""Reviewer decisions in the web service: saving (with the classifier learning at once),
re-checking after a catalog revision, masking personal data wherever decisions are shown."""
