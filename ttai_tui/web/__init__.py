"""`ttai serve`: the dashboard in a browser, locked to whoever holds the per-run token.

The app itself is unchanged: each browser tab gets its own `ttai` process driven by Textual's
web driver (through textual-serve). This package holds only the web front door: the token
gate, the session limit and process clean-up. It imports neither Textual nor the UI.
"""
