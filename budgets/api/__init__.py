"""The read-only JSON API under /api/: published years only, documented by OpenAPI."""
