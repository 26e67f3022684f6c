from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from koe.config import ConfigError, SampleSource, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def _raw() -> dict:
    return tomllib.loads((REPO / "koe.toml").read_text(encoding="utf-8"))


def test_shipped_config_is_valid_and_resolves_paths() -> None:
    config = load_config(REPO / "koe.toml", today=date(2026, 11, 23))
    assert [b.name for b in config.brands] == ["Aurora Coffee", "Nimbus Brew", "Kumo Cafe"]
    assert config.storage.path == REPO / ".koe" / "koe.duckdb"
    sample = config.sources[0]
    assert isinstance(sample, SampleSource)
    assert sample.spike_date == date(2026, 11, 19)  # spike_days_ago = 4, pinned at load
    assert {t.name for t in config.topics} >= {"product", "price", "support", "delivery"}


def test_unknown_key_names_file_field_and_suggestion() -> None:
    raw = _raw()
    raw["brands"][0]["qeury"] = raw["brands"][0].pop("query")
    with pytest.raises(ConfigError) as e:
        parse_config(raw, origin="my.toml")
    text = str(e.value)
    assert "my.toml" in text
    assert "brands[0].qeury: unknown key; did you mean 'query'?" in text
    assert "brands[0].query: required key is missing" in text


def test_wrong_type_and_bad_query_are_reported_per_field() -> None:
    raw = _raw()
    raw["sources"][0]["mentions_per_day"] = "many"
    raw["brands"][1]["query"] = '"nimbus OR'
    with pytest.raises(ConfigError) as e:
        parse_config(raw, origin="koe.toml")
    text = str(e.value)
    assert "sources[0].mentions_per_day: Input should be a valid integer" in text
    assert "brands[1].query: unclosed quote at character 1" in text
    assert "too short" not in text.lower()


def test_unknown_source_type_lists_valid_types() -> None:
    raw = _raw()
    raw["sources"][0]["type"] = "twitter"
    with pytest.raises(ConfigError, match="type is one of sample, file, hackernews, reddit"):
        parse_config(raw)


def test_references_to_undeclared_brands_are_rejected() -> None:
    raw = _raw()
    raw["sources"][0]["spike_brand"] = "Nope"
    with pytest.raises(ConfigError, match="names brand 'Nope', which is not declared"):
        parse_config(raw)


def test_duplicate_brand_names_are_rejected() -> None:
    raw = _raw()
    raw["brands"][1]["name"] = raw["brands"][0]["name"]
    with pytest.raises(ConfigError, match="must be unique"):
        parse_config(raw)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[brands\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml is not valid TOML"):
        load_config(bad)


def test_reddit_listing_brands_must_be_declared() -> None:
    raw = _raw()
    raw["sources"].append({"type": "reddit", "listings": [{"subreddit": "NopeCafe",
                                                           "brand": "Nope"}]})
    with pytest.raises(ConfigError, match="names brand 'Nope', which is not declared"):
        parse_config(raw)
    raw["sources"][-1]["listings"][0]["subreddit"] = "r/NopeCafe"
    raw["sources"][-1]["listings"][0]["brand"] = None
    with pytest.raises(ConfigError, match=r"listings\[0\]\.subreddit"):
        parse_config(raw)


def test_a_brand_query_is_parsed_once() -> None:
    brand = parse_config(_raw()).brands[0]
    assert brand.parsed_query is brand.parsed_query
    assert brand == brand.model_copy()  # the cached parse is not part of the brand's value
