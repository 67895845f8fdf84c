"""rouge_l: character-level ROUGE-L F1 between the top draft and the golden reply.

Characters suit Chinese (no tokenizer needed). Whitespace and punctuation are dropped before
comparing, so "亲,您好!" and "亲您好" count the same; Latin letters are lower-cased.
"""

from __future__ import annotations

import unicodedata

from service.evaluation.scorers.base import Direction, Score, Trial


def normalise(text: str) -> str:
    """Lower-case, without whitespace or punctuation (Unicode categories Z*, P*, S*, C*)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower()
                    if unicodedata.category(ch)[0] not in "ZPSC")


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence (O(len(a)·len(b)) time, O(len(b)) memory)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if ch == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the character LCS; all 0 when either side is empty."""
    cand, ref = normalise(candidate), normalise(reference)
    if not cand or not ref:
        return 0.0, 0.0, 0.0
    lcs = lcs_length(cand, ref)
    if lcs == 0:
        return 0.0, 0.0, 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return precision, recall, 2 * precision * recall / (precision + recall)


class RougeL:
    """Character ROUGE-L F1 of the top draft against `golden_reply`, 0..1."""

    name = "rouge_l"
    direction: Direction = "higher"

    def score(self, trial: Trial) -> Score:
        precision, recall, f1 = rouge_l(trial.answer, trial.case.golden_reply)
        return Score(value=round(f1, 4), answer=trial.answer, explanation=f"P={precision:.3f} R={recall:.3f}",
                     metadata={"precision": round(precision, 4), "recall": round(recall, 4)})
