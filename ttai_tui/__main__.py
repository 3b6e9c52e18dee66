"""`python -m ttai_tui` runs the same entry point as the `ttai` command."""

from ttai_tui.cli import main

raise SystemExit(main())
