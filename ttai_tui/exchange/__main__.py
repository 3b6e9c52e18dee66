"""``python -m ttai_tui.exchange [flags]``: the same as ``ttai exchange``."""

import sys

from ttai_tui.exchange.cli import build_parser, run

sys.exit(run(build_parser().parse_args()))
