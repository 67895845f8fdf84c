"""platform_rule: platform and advertising-law rules a reply must not break.

Patterns live in `data/platform_rule.yaml`: review inducement (好评返现, paid review changes),
moving the trade off-platform (加微信, 私下转账), 广告法 absolute terms (国家级, 第一, 全网最低),
void standard terms (签收即视为合格, 最终解释权), refusing invoices, medical claims and steering the
refund reason. Innocent look-alikes (第一时间, 最快, 您最好先…, 请不要私下转账, plain review
invitations) are excluded by the rules' `allow` lists and the shared negation check.
"""

from __future__ import annotations

from service.guards.base import Category
from service.guards.phrases import PhraseGuard


class PlatformRuleGuard(PhraseGuard):
    """Flags 好评返现, off-platform trading, absolute ad terms and void standard terms."""

    name = "platform_rule"
    category = Category.platform_rule
    data_name = "platform_rule"
