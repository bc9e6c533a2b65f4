"""Entry point for `python -m clerk_app`: the same CLI as `clerk`; holds no logic of its own."""

from clerk_app.cli import main

raise SystemExit(main())
