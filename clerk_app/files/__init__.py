"""The file layer: checking files a clerk attaches and keeping them by hash; no database access."""
