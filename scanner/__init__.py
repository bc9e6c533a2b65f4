"""Page acquisition from scanners (SANE/WIA via pyinsane2); imports the core only, never Qt or sync."""
