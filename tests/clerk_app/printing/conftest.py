"""Fixtures of the printing tests; the desk they print from is built in printing_desk."""

from printing_desk import desk, printing_template

__all__ = ["desk", "printing_template"]
