"""The desk's sync engine and wire protocol with the central server; imports the core only, never Qt."""
