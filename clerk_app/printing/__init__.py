"""Registers on paper and the office's statistics (PDF, XLSX) from the Workspace; never writes data."""
