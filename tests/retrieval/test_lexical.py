"""Character n-grams, Latin trigrams for typos, BM25 and the match share."""

from __future__ import annotations

import pytest

from service.retrieval.lexical import LexicalIndex, char_ngrams, latin_trigrams, lexical_tokens, match_share


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("防水", ["防", "水", "防水"]),
        ("耳机AB3", ["耳", "机", "耳机", "ab3"]),
        ("续航 6.5 小时", ["续", "航", "续航", "6.5", "小", "时", "小时"]),
        ("USB-C to C", ["usb", "c", "to", "c"]),
        ("!!!", []),
    ],
)
def test_char_ngrams(text: str, expected: list[str]) -> None:
    assert char_ngrams(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("pods", ["#<po", "#pod", "#ods", "#ds>"]), ("ab3", []), ("usb", []), ("耳机", [])],
)
def test_latin_trigrams_only_for_words_of_four_letters(word: str, expected: list[str]) -> None:
    assert latin_trigrams(word) == expected


def test_indexed_text_carries_trigrams_of_its_latin_words() -> None:
    assert "#iet" in lexical_tokens("QuietPods 降噪")


def test_a_misspelt_latin_name_is_looked_up_by_its_trigrams() -> None:
    index = LexicalIndex(["QuietPods Pro 主动降噪耳机", "AirBeat 3 蓝牙耳机"])
    assert "quitepods" not in index.query_tokens("quitepods")
    scores = index.scores("quitepods")
    assert scores[0] > scores[1] == 0


def test_known_words_are_not_split_into_trigrams() -> None:
    index = LexicalIndex(["AirBeat 3 蓝牙耳机"])
    assert index.query_tokens("airbeat") == ["airbeat"]


def test_bm25_ranks_the_text_sharing_the_rare_bigram_first() -> None:
    index = LexicalIndex(["耳机防水等级 IPX4", "充电宝可以带上飞机", "耳机续航 6 小时"])
    scores = index.scores("能带飞机吗")
    assert scores.argmax() == 1


def test_empty_index_and_query_without_known_tokens() -> None:
    assert LexicalIndex([]).scores("防水").shape == (0,)
    assert not LexicalIndex(["防水"]).scores("hello").any()


@pytest.mark.parametrize(
    ("query", "text", "share"),
    [
        ("能带飞机吗", "充电宝可以带上飞机", 1 / 4),  # 能带 带飞 飞机 机吗: only 飞机 is in the text
        ("do you ship to hong kong", "USB-C to Lightning", 1 / 6),  # only "to"
        ("膜", "钢化膜", 1.0),  # no bigram in the query: unigrams count
        ("", "anything", 0.0),
    ],
)
def test_match_share(query: str, text: str, share: float) -> None:
    assert match_share(query, text) == pytest.approx(share)
