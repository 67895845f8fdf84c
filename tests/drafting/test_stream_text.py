"""The drafts' text is pulled out of the LLM's JSON however the answer is cut into pieces."""

from __future__ import annotations

import json

import pytest

from service.drafting.stream_text import DraftTextScanner

ANSWER = json.dumps({"drafts": [
    {"text": "亲,质量问题15天内可换货 \"来回运费\" 我们承担\n谢谢😊", "citations": ["policy-returns#0"]},
    {"text": "Sorry! We'll exchange it within 15 days.", "citations": []},
]}, ensure_ascii=True)  # \uXXXX escapes and a surrogate pair: the hardest cuts


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13, 1000])
def test_any_cut_gives_the_same_text(size: int) -> None:
    scanner = DraftTextScanner()
    grown: dict[int, str] = {}
    for start in range(0, len(ANSWER), size):
        for number, text in scanner.feed(ANSWER[start:start + size]):
            grown[number] = grown.get(number, "") + text
    expected = [d["text"] for d in json.loads(ANSWER)["drafts"]]
    assert [grown[0], grown[1]] == expected
    assert scanner.texts == expected and scanner.count == 2


def test_an_answer_that_is_not_json_streams_nothing() -> None:
    scanner = DraftTextScanner()
    assert scanner.feed("1. 亲,您好") == [] and scanner.feed("\n2. 好的") == []
    assert scanner.count == 0


def test_an_unfinished_text_is_streamed_as_far_as_it_goes() -> None:
    scanner = DraftTextScanner()
    assert scanner.feed('{"drafts": [{"text": "亲,您') == [(0, "亲,您")]
    assert scanner.feed('好\\') == [(0, "好")]  # the escape waits for its second character
    assert scanner.feed('n明天') == [(0, "\n明天")]
