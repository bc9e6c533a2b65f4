"""Marks the desk draws on PDFs (arrival stamp, number and date); signing lives in clerk_app.signing."""
