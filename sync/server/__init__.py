"""The central server (FastAPI); never imports the desk UI or the scanner."""
