"""Lint: rules over one data product and over the whole catalog, findings, reporters."""
