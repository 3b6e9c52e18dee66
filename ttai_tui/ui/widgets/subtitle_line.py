"""A bordered pane whose subtitle changes often repaints only its bottom border line.

The watchlist and the main pane show the selected row's data age in their border subtitle
("SPY updated 2s ago"), rewritten once a second. Textual's `border_subtitle` setter refreshes
the whole widget, so each change repainted the whole pane: every line of the pane and of the
widgets inside it went through the compositor again and, with the span writer, was re-sent to
the terminal (about 40 lines of a 120x40 screen, once a second). The subtitle sits on the last
line of the border, so that line is all that needs repainting.
"""

from __future__ import annotations

from typing import Self

from textual.geometry import Region
from textual.widget import Widget


class SubtitleLine(Widget):
    """Mix in before the container class (``class Pane(SubtitleLine, Vertical)``) and set the
    subtitle with :meth:`show_subtitle`."""

    _subtitle_only = False

    def show_subtitle(self, text: str) -> None:
        """Set the border subtitle (if it changed), repainting the bottom border line only."""
        if text == self.border_subtitle:
            return
        self._subtitle_only = True
        try:
            self.border_subtitle = text
        finally:
            self._subtitle_only = False

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        if self._subtitle_only and not regions and not layout and not recompose:
            width, height = self.outer_size
            if width and height:
                # refresh regions are in content coordinates: the border line is below them
                offset = self.content_offset
                regions = (Region(-offset.x, height - 1 - offset.y, width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
