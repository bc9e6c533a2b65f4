"""The clerk desk's core: domain, use cases, storage and files; never imports Qt or the shells."""

__version__ = "0.1.0"

# Errors read in Vietnamese wherever one is printed: the wording registers itself with them.
from clerk_app import messages as _messages  # noqa: F401
