"""Tweet normalisation shared by training and inference for the English MiniLM model.

TweetEval (the validation set) writes every user mention as ``@user`` and drops links;
SemEval's raw training tweets and live posts carry real handles, links and HTML entities.
Mapping both to the same form means the model never learns handle or URL noise.
"""

from __future__ import annotations

import html
import re

_HANDLE = re.compile(r"(?<![\w@])@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = html.unescape(text.replace("\x00", " "))
    text = _URL.sub(" ", text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
