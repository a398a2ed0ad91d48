"""The FastAPI service: JSON API (/v1), reviewer web pages, decision store, auth."""
