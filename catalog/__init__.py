"""The 혁신성장 공동기준 catalog, reference code lists and past-judgment files."""
