"""blame: faulting or insulting the buyer, or pushing responsibility onto the courier or maker.

Patterns live in `data/blame.yaml` (rules-cn.md F12, 消法27). Conditional policy statements
("如因人为损坏不在保修范围内"), negations ("不是您的问题") and the buyer's own words quoted back
("您说是我们发错了") are not blame.
"""

from __future__ import annotations

from service.guards.base import Category
from service.guards.phrases import PhraseGuard


class BlameGuard(PhraseGuard):
    """Flags replies that blame the buyer (你自己没看清楚, 恶意退货) or deflect (你去找快递)."""

    name = "blame"
    category = Category.blame
    data_name = "blame"
