"""A character grid with one style per cell, turned into runs of equal style per line.

Why a numpy grid: the chart is a few thousand cells that are mostly written by whole layers
(candles, overlays, levels) through boolean masks, which numpy does in microseconds; a line
is then cut into runs where the style changes, so a 160-column line is a handful of segments.
Styles are names (``"green"``, ``"bold red"``, ``"dim cyan"``) so the same grid prints to a
terminal, to a Textual Strip or without colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

__all__ = ["Canvas", "Line", "Run"]

Run = tuple[str, str]  # (text, style name)
Line = list[Run]
BLANK = ord(" ")


@dataclass(slots=True)
class Canvas:
    """``height`` x ``width`` cells: code points and style ids (0 = no style)."""

    width: int
    height: int
    chars: npt.NDArray[np.uint32]
    styles: npt.NDArray[np.uint16]
    names: list[str]

    @classmethod
    def blank(cls, width: int, height: int) -> Canvas:
        return cls(
            width,
            height,
            np.full((height, width), BLANK, dtype="<u4"),
            np.zeros((height, width), dtype=np.uint16),
            [""],
        )

    def style(self, name: str) -> int:
        """The id of a style name (registered on first use)."""
        try:
            return self.names.index(name)
        except ValueError:
            self.names.append(name)
            return len(self.names) - 1

    def text(self, row: int, col: int, text: str, style: str = "", stop: int | None = None) -> int:
        """Write ``text`` from ``col`` (clipped to the grid and to ``stop``); the end column."""
        stop = self.width if stop is None else min(stop, self.width)
        if not 0 <= row < self.height or col >= stop or not text:
            return col
        if col < 0:
            text, col = text[-col:], 0
        text = text[: stop - col]
        end = col + len(text)
        self.chars[row, col:end] = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        self.styles[row, col:end] = self.style(style)
        return end

    def _merged_blanks(self) -> npt.NDArray[np.uint16]:
        """Styles where an unstyled blank takes the style of the cell before it when that style
        only colours text (a space looks the same in it): fewer runs, fewer segments, fewer
        escape sequences on the wire."""
        styles = self.styles
        if self.width < 2:
            return styles
        fg_only = np.array(
            [not any(w in ("reverse", "underline", "on") for w in n.split()) for n in self.names]
        )
        blank = (self.chars == BLANK) & (styles == 0)
        cols = np.arange(self.width)[None, :]
        source = np.maximum.accumulate(np.where(blank, 0, cols), axis=1)  # last non-blank
        inherited = np.take_along_axis(styles, source, axis=1)
        return np.where(blank & fg_only[inherited], inherited, styles).astype(np.uint16)

    def lines(self) -> list[Line]:
        """Each row as runs of (text, style name)."""
        out: list[Line] = []
        names = self.names
        styles = self._merged_blanks()
        changes = styles[:, 1:] != styles[:, :-1]
        texts = self.chars.tobytes().decode("utf-32-le")
        w = self.width
        for y in range(self.height):
            text = texts[y * w : (y + 1) * w]
            st = styles[y].tolist()
            bounds = [0, *(np.flatnonzero(changes[y]) + 1).tolist(), w]
            out.append([(text[a:b], names[st[a]]) for a, b in pairwise(bounds)])
        return out
