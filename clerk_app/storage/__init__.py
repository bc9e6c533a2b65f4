"""Storage layer: the only place with SQL (models, engine, migrations, audit, outbox, search index)."""
