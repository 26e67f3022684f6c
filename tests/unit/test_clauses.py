from __future__ import annotations

import pytest

from koe.clauses import split_clauses


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("love the camera, but the price is a joke", "en",
         ["love the camera", "but the price is a joke"]),
        ("Great coffee. Terrible service! Would not return.", "en",
         ["Great coffee.", "Terrible service!", "Would not return."]),
        ("Nice app though it crashes sometimes", "en", ["Nice app", "though it crashes sometimes"]),
        ("Butter croissants are great", "en", ["Butter croissants are great"]),  # word boundary
        ("Good. 👍", "en", ["Good. 👍"]),  # a fragment too short to hold an opinion stays
        ("味は最高だが、値段が高すぎる。", "ja", ["味は最高だが、", "値段が高すぎる。"]),
        ("店員さんは親切。しかし配達が遅い。", "ja", ["店員さんは親切。", "しかし配達が遅い。"]),
        ("美味しいけど高い", "ja", ["美味しいけど", "高い"]),
        ("  just ok  ", "en", ["just ok"]),
    ],
)
def test_split_clauses(text: str, language: str, expected: list[str]) -> None:
    assert split_clauses(text, language) == expected


def test_very_long_texts_keep_everything_in_at_most_twelve_clauses() -> None:
    text = " ".join(f"Point {i} is fine." for i in range(30))
    clauses = split_clauses(text, "en")
    assert len(clauses) == 12
    assert " ".join(clauses) == text
