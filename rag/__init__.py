"""Retrieval-augmented classifier: embedders, retrievers, priors, ranker, rationale, LLM."""
