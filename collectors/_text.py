"""Text helpers shared by collectors: HTML to plain text, stable hashes, slugs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "pre", "blockquote", "tr", "h1",
                         "h2", "h3", "h4", "h5", "h6"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "pre":
            self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
        if tag in _BLOCK_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.pre_depth:
            self.parts.append(data)
        else:
            text = _SPACES.sub(" ", data.replace("\n", " "))
            if not self.parts or self.parts[-1].endswith("\n"):
                text = text.lstrip(" ")
            self.parts.append(text)


def html_to_text(html: str | None) -> str:
    """Plain text from an HTML fragment: tags dropped, entities unescaped, one line per paragraph.

    HN (and most APIs) send ``<p>`` between paragraphs without closing tags; each block
    boundary becomes a single newline so sentence splitters and the dashboard see paragraphs.
    """
    if not html:
        return ""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (line.rstrip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def stable_hash(*parts: object, digest_size: int = 8) -> int:
    """A hash that is the same in every process and Python version (unlike ``hash()``)."""
    raw = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=digest_size).digest(), "big")


def stable_hex(*parts: object, digest_size: int = 10) -> str:
    raw = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return hashlib.blake2b(raw, digest_size=digest_size).hexdigest()


def slugify(name: str) -> str:
    """``"Aurora Coffee"`` -> ``"aurora-coffee"``; non-Latin names fall back to a short hash."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or f"b{stable_hex(name, digest_size=4)}"


def has_cjk(text: str) -> bool:
    """True if ``text`` holds kana or CJK ideographs (what Japanese text is written in)."""
    return any(
        "\u3040" <= ch <= "\u30ff"  # hiragana, katakana
        or "\u3400" <= ch <= "\u9fff"  # CJK ideographs
        or "\uf900" <= ch <= "\ufaff"
        or "\uff66" <= ch <= "\uff9f"  # half-width katakana
        for ch in text
    )


def excerpt(text: str | bytes, limit: int = 120) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
