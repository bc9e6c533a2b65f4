"""The clerk desk's core: domain, use cases, storage and files; never imports Qt or the shells."""

__version__ = "0.1.0"
