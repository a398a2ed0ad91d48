"""API keys with roles, request authentication, rate limiting."""
