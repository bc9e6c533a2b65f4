"""Fake win32com package for the WIA worker's tests (see client.py)."""
