"""The PySide6 shell of the clerk desk: the only Qt package; it calls the core, never SQL."""
