"""Named watchlists: config lists, account (TastyTrade) lists, and the user's local edits.

Why a file of our own: edits made in the dashboard (add, delete, move) must survive restarts
without rewriting the user's config.toml. The file lives under the data dir
(``<data_dir>/watchlists.json``) and is saved with ``ttai_tui.storage.save_json`` (temp file,
fsync, rename, previous version kept as .bak), so a crash mid-save never loses a list.

Precedence when loading: a list edited locally wins; otherwise the config's list; account lists
that share a name with a local/config list are shown as "<name> (account)".

A list may hold a futures product (``/ES``), a contract without its venue (``/ESZ26``) or a crypto
pair (``BTC/USD``), as tastytrade's own watchlists do: they stream under another symbol (the
active contract ``/ESZ26:XCME``, ``BTC/USD:CXTALP``). The dashboard resolves them once connected
(:meth:`set_streamer`); ``symbols()`` then gives what to stream and show, while the list keeps the
entry as written, so ``/ES`` follows the active month from one start to the next.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from ttai_tui import storage

log = logging.getLogger(__name__)

FILE_NAME = "watchlists.json"
ACCOUNT_SUFFIX = " (account)"

#: entries that stream under another symbol: a futures product or contract without its venue
#: (/ES, /ESZ26) or a pair (BTC/USD); not a streamer symbol already (a ":venue"), not an option
_RESOLVABLE = re.compile(r"^(?:/[A-Z0-9]+|[A-Z0-9]+/[A-Z0-9]+)\Z")


def needs_resolving(entry: str) -> bool:
    """Whether ``entry`` streams under another symbol (ask the broker for it)."""
    return bool(_RESOLVABLE.match(entry))


class WatchlistStore:
    """Ordered name -> symbols, with atomic persistence of local edits."""

    def __init__(self, path: Path, config_lists: dict[str, list[str]]) -> None:
        self.path = path
        self._config = {k: list(v) for k, v in config_lists.items()}
        self.lists: dict[str, list[str]] = {k: list(v) for k, v in self._config.items()}
        self.account_names: set[str] = set()
        self.edited: set[str] = set()
        self.load_error: str | None = None
        self.backup: Path | None = None  # a good previous version of a corrupt file
        self._streamer: dict[str, str] = {}  # entry (/ES) -> what it streams as (/ESZ26:XCME)
        self._entry: dict[str, str] = {}  # the reverse, to store edits as the user wrote them
        self._load_local()
        if not self.lists:
            self.lists["Default"] = []

    def _load_local(self) -> None:
        try:
            data = storage.load_json(self.path, default=None)
        except storage.StorageError as exc:  # corrupt: keep the config lists, say so
            self.load_error = str(exc)
            self.backup = exc.backup if isinstance(exc, storage.CorruptFileError) else None
            log.warning("watchlists file unusable: %s", exc)
            return
        if not isinstance(data, dict) or not isinstance(data.get("lists"), dict):
            return
        local: dict[str, list[str]] = {}
        for name, syms in data["lists"].items():
            if isinstance(name, str) and isinstance(syms, list):
                local[name] = [s for s in syms if isinstance(s, str)]
        order = [n for n in data.get("order", []) if isinstance(n, str) and n in local]
        order += [n for n in local if n not in order]
        merged = {n: local[n] for n in order}
        self.edited = set(merged)
        for name, syms in self.lists.items():  # config lists the user never edited
            merged.setdefault(name, syms)
        self.lists = merged

    def restore_backup(self) -> None:
        """Put the previous version of a corrupt file back (the corrupt bytes are kept as
        NAME.corrupt) and reload from it. StorageError if that fails; nothing is lost."""
        storage.restore_backup(self.path)
        accounts = {n: self.lists[n] for n in self.account_names if n in self.lists}
        self.lists = {k: list(v) for k, v in self._config.items()}
        self.edited, self.load_error, self.backup = set(), None, None
        self._load_local()
        for name, syms in accounts.items():  # the account's lists stay as they were shown
            if name not in self.lists:
                self.lists[name] = syms
            else:
                self.account_names.discard(name)
        log.info("watchlists restored from the backup of %s", self.path)

    @property
    def names(self) -> list[str]:
        return list(self.lists)

    def symbols(self, name: str) -> list[str]:
        """What a list streams and shows: each entry, or the symbol it resolved to."""
        streamer = self._streamer
        if not streamer:
            return self.lists.get(name, [])
        return list(dict.fromkeys(streamer.get(s, s) for s in self.lists.get(name, [])))

    def unresolved(self) -> list[str]:
        """Entries of any list that stream under another symbol not known yet (/ES, BTC/USD)."""
        return list(dict.fromkeys(
            s for syms in self.lists.values() for s in syms
            if s not in self._streamer and needs_resolving(s)))

    def set_streamer(self, entry: str, streamer: str) -> None:
        """``entry`` streams as ``streamer`` (the broker resolved it)."""
        self._streamer[entry] = streamer
        self._entry.setdefault(streamer, entry)

    def add_account_lists(self, lists: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
        """Merge the account's watchlists (read from TastyTrade); returns the names added."""
        added = []
        for name, syms in lists:
            shown = name if name not in self.lists or name in self.account_names else name + ACCOUNT_SUFFIX
            if shown in self.lists and shown not in self.account_names:
                continue  # a locally edited copy already exists
            self.lists[shown] = [s for s in syms if s]
            self.account_names.add(shown)
            added.append(shown)
        return added

    def set_symbols(self, name: str, symbols: list[str]) -> None:
        """Replace a list and persist (an edited account list becomes a local list). A symbol
        shown for a resolved entry is stored as that entry (/ESZ26:XCME as the /ES it came from,
        also when a delete is undone) unless the list holds that symbol itself."""
        entries = set(self.lists.get(name, []))
        back = self._entry
        self.lists[name] = [s if s in entries else back.get(s, s) for s in symbols]
        self.account_names.discard(name)
        self.edited.add(name)
        self.save()

    def save(self) -> None:
        local = {n: s for n, s in self.lists.items() if n in self.edited}
        data = {"version": 1, "order": list(local), "lists": local}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        storage.save_json(self.path, data)
