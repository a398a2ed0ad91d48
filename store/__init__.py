"""Persistence of classification runs, reviewer decisions and API keys (SQLModel)."""
