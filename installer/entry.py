"""The frozen build's one program: `clerk-app` (the window), `clerk` (the command line), or a worker.

PyInstaller freezes this file; the .deb links /usr/bin/clerk and /usr/bin/clerk-app to the one
executable, and the name it was started by chooses what runs. The scanner drivers start their
worker processes as `clerk-desk --worker MODULE` (see scanner.driver.worker_command). Nothing
else here.
"""

from __future__ import annotations

import os
import runpy
import sys

WORKERS = ("scanner.sane_worker", "scanner.wia_worker")


def main() -> int:
    # The bundle is read-only for its users and owned by the package manager: no __pycache__
    # inside it (Alembic imports the migration scripts from source).
    sys.dont_write_bytecode = True
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "--worker" and args[1] in WORKERS:
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__")
        return 0
    name = os.path.basename(sys.argv[0]).lower().removesuffix(".exe")
    if name == "clerk-app" or (name == "clerk-desk" and not args):
        from ui.app import main as app_main

        return app_main()
    from clerk_app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
