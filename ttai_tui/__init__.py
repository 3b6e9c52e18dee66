"""ttai: a keyboard-driven terminal trading dashboard for TastyTrade accounts.

This module stays import-light on purpose: `ttai --version` must start fast.
"""

__version__ = "0.1.0"
