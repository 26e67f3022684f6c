"""Pure word-cloud rendering: term frequencies in, PNG bytes out, Japanese glyphs included.

wordcloud's bundled font has no kana or kanji (they would render as boxes), so a CJK font
from the system is required; a clear error names the Debian packages that provide one.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from koe.errors import KoeError

# Noto CJK first (Debian fonts-noto-cjk), then IPA (fonts-ipafont-gothic), then Takao/VL.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
    "/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf",
)
_FONT_GLOBS = ("**/NotoSansCJK*.ttc", "**/NotoSansJP*.[ot]tf", "**/ipag*.ttf", "**/*Gothic*.tt[fc]")

POSITIVE_COLORS = ("#1b7a43", "#2e9e5b", "#3c8d6e", "#21684f", "#4f9a3a")
NEGATIVE_COLORS = ("#b3261e", "#d0453b", "#a13d2d", "#c2551f", "#8e2a3f")


class WordCloudError(KoeError):
    """A word cloud cannot be drawn (no CJK font installed, nothing to draw)."""


def find_cjk_font(candidates: Sequence[str] = FONT_CANDIDATES,
                  search_dirs: Sequence[str] = ("/usr/share/fonts", "/usr/local/share/fonts")
                  ) -> Path:
    """The first installed font with Japanese glyphs, or WordCloudError saying what to install."""
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    for directory in search_dirs:
        root = Path(directory)
        if not root.is_dir():
            continue
        for pattern in _FONT_GLOBS:
            for path in sorted(root.glob(pattern)):
                if path.is_file():
                    return path
    raise WordCloudError(
        "no Japanese (CJK) font found for the word clouds; install one with "
        "`apt-get install fonts-noto-cjk` (or fonts-ipafont-gothic) and restart the dashboard"
    )


def render_cloud(frequencies: Mapping[str, float], *, colors: Sequence[str] = POSITIVE_COLORS,
                 width: int = 760, height: int = 380, font_path: Path | str | None = None,
                 seed: int = 7) -> bytes:
    """A PNG of ``frequencies`` (term -> weight), the same picture for the same input."""
    from wordcloud import WordCloud

    if not frequencies or max(frequencies.values(), default=0) <= 0:
        raise WordCloudError("there are no words to draw")
    font = Path(font_path) if font_path is not None else find_cjk_font()
    palette = list(colors)

    def color(word: str, font_size: int, position: tuple[int, int], orientation: object,
              random_state: random.Random | None = None, **_: object) -> str:
        # Bigger words take the darker, first colours; the rest vary a little for texture.
        index = 0 if font_size > height / 6 else (len(word) + position[0]) % len(palette)
        return palette[index]

    cloud = WordCloud(
        font_path=str(font), width=width, height=height, background_color="white",
        prefer_horizontal=1.0, max_words=len(frequencies), random_state=seed,
        color_func=color, margin=4, relative_scaling=0.5, min_font_size=10,
        collocations=False, normalize_plurals=False,
    ).generate_from_frequencies(dict(frequencies))
    buffer = io.BytesIO()
    cloud.to_image().save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
