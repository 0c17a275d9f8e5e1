"""The digest's progress chart: one stacked bar per group of agencies (one part per state of
`bot.staff.standing`: counted, awaiting confirmation, needs correction, not sent), drawn as a
PNG to be embedded with `cid:` (mail clients block remote images and Outlook ignores SVG and
data: URLs).

Pillow draws it: a well-kept library with wheels for every platform, a fraction of matplotlib's
weight and start-up time, and able to draw Vietnamese labels with any TrueType font on the
machine. Without such a font the bars are drawn without words; the table next to the chart
carries the same numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

# Colours of the states, in the order of bot.staff.standing.STATES; the digest's HTML legend
# and the workbook's chart use the same ones.
COLOURS = ("#2e7d32", "#1e88e5", "#f9a825", "#cfd8dc")
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf")
WIDTH, ROW, TOP, LABEL, FIGURES = 720, 30, 8, 290, 70
BAR = WIDTH - LABEL - FIGURES - 16
FONT_PX = 14

AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Bar:
    label: str
    parts: tuple[int, ...]  # how many agencies in each state, in STATES order

    @property
    def total(self) -> int:
        return sum(self.parts)


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | None:
    """A TrueType font with Vietnamese letters, found by name in the system's font folders."""
    for name in FONTS:
        try:
            return ImageFont.truetype(name, FONT_PX)
        except OSError:
            continue
    return None


def progress_png(bars: Sequence[Bar]) -> bytes:
    """The chart as PNG bytes: a row per group, each bar the whole group (so groups of 18 and
    of 63 compare by share), the figures "counted/total" at the right."""
    height = TOP * 2 + ROW * max(len(bars), 1)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = _font()
    for n, bar in enumerate(bars):
        y = TOP + n * ROW
        if font is not None:
            draw.text((4, y + 6), _fit(draw, bar.label, font, LABEL - 10), fill="black",
                      font=font)
            draw.text((WIDTH - FIGURES, y + 6), f"{bar.parts[0]}/{bar.total}", fill="black",
                      font=font)
        x = float(LABEL)
        for value, colour in zip(bar.parts, COLOURS, strict=True):
            width = BAR * value / (bar.total or 1)
            if value:
                draw.rectangle((x, y + 4, x + max(width, 2) - 1, y + ROW - 6), fill=colour)
            x += width
        draw.rectangle((LABEL, y + 4, LABEL + BAR, y + ROW - 6), outline="#607d8b")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, font: AnyFont, width: int) -> str:
    """`text`, cut with an ellipsis to fit `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"
