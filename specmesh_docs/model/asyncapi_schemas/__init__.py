"""Vendored AsyncAPI JSON Schemas (data only; see README.md)."""
