"""Two small inline shops whose rules differ from the law's defaults, and a context builder.

`long_returns`: 15-day no-reason returns, the shop pays the return leg, custom goods and food
excluded, quality return 15 / exchange 30 days, refund within 2 days, compensation up to 50 元.
`short_refunds`: 7-day returns paid by the buyer, refund within 3 days, compensation up to 20 元.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.guards.base import GuardContext, Turn
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.policy.facts import compute_order_facts
from service.policy.order import Order

NOW = "2026-11-10T10:00:00+08:00"

_LONG = {
    "policy-returns": """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_return_days: 15
  no_reason_excluded_categories: [定制商品, 食品]
  no_reason_return_shipping: seller
  quality_return_days: 15
  quality_exchange_days: 30
  refund_within_days: 2
  ship_within_hours: 24
  compensation_limit_yuan: 50
---
签收次日起 15 天无理由退货,运费由本店承担。
""",
    "tent": """---
id: tent
type: product
title: 双人帐篷 CampDome
sku: CD2
category: 帐篷
price: 599
tags: [帐篷]
---
## 规格
- 重量: 2.3 kg
- 防水等级: 外帐 3000mm, 底布 5000mm
- 展开尺寸: 210 x 140 x 110 cm
- 包装清单: 外帐, 内帐, 帐杆 x2, 地钉 x10, 收纳袋
- 发货时间: 付款后 24 小时内

## 常见问题
- 地布需要单独购买,包装里不含地布。
""",
    "patch": """---
id: patch
type: product
title: 定制刺绣布贴
sku: PT1
category: 定制商品
price: 39
tags: [布贴]
---
## 规格
- 定制周期: 7 天
- 发货时间: 定制完成后 24 小时内
""",
    "bar": """---
id: bar
type: product
title: 能量棒 12 支
sku: BAR12
category: 食品
price: 59
tags: [能量棒]
---
## 规格
- 保质期: 9 个月
- 过敏原: 含花生、坚果
""",
    "jacket": """---
id: jacket
type: product
title: 冲锋衣 Peak
sku: PK1
category: 服装
price: 699
tags: [冲锋衣]
---
## 规格
- 尺码 M: 身高 163-169 cm
- 尺码 L: 身高 170-175 cm
- 内胆: 无(单层硬壳)
""",
}

_SHORT = {
    "policy-returns": """---
id: policy-returns
type: policy
title: 退换货政策
rules:
  refund_within_days: 3
  compensation_limit_yuan: 20
---
签收后 7 天无理由退货,寄回运费由买家承担。
""",
    "earbuds": """---
id: earbuds
type: product
title: 蓝牙耳机 SoundBud
sku: SB1
category: 耳机
price: 299
tags: [耳机]
---
## 规格
- 续航: 单次 6 小时, 配合充电盒共 30 小时
- 防水等级: IPX4
- 主动降噪: 不支持
- 无线充电: 不支持
- 包装清单: 耳机 x2, 充电盒, USB-C 充电线, 说明书
- 保修: 1 年
- 发货时间: 付款后 48 小时内
""",
    "powerbank": """---
id: powerbank
type: product
title: 充电宝 PowerMax
sku: PM20
category: 充电宝
price: 199
tags: [充电宝]
---
## 规格
- 电池容量: 20000 mAh
- 最大输出: 65 W (iPhone 最大 20 W)
- 重量: 420 g
- 包装清单: 充电宝, 充电线, 说明书 (不含充电头)
""",
    "cup": """---
id: cup
type: product
title: 儿童吸管杯 SipKid
sku: SK1
category: 水杯
price: 79
tags: [水杯, 吸管杯]
---
## 规格
- 容量: 350 ml
- 材质: 杯身 不锈钢, 吸管 硅胶
- 适用年龄: 1-6 岁
""",
    "fan": """---
id: fan
type: product
title: 手持小风扇 BreezeMini
sku: FM3
category: 风扇
price: 59
tags: [风扇, 小风扇]
---
## 规格
- 电池: 3 节 7 号电池(不含)
- 噪音: 30 dB
""",
}


_CONDITIONS = {
    "policy-returns": """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_conditions:
    - {requires: tags_on, text: 吊牌齐全}
    - {requires: unused, text: 没有使用痕迹}
    - {requires: unopened, categories: [化妆品], text: 化妆品密封包装未拆}
---
签收后 7 天无理由退货:吊牌齐全、没有使用痕迹;化妆品密封包装拆开后不支持无理由退货。
""",
    "cream": """---
id: cream
type: product
title: 保湿面霜 HydraOne
sku: HC1
category: 化妆品
price: 129
---
## 规格
- 容量: 50 ml
""",
    "dress": _LONG["jacket"].replace("id: jacket", "id: dress").replace("PK1", "DR1"),
}


def _build(shop_id: str, docs: dict[str, str]) -> ShopKnowledge:
    return ShopKnowledge.build(shop_id, [parse_document(t, shop_id=shop_id, path=n) for n, t in docs.items()])


SHOPS = {
    "long_returns": _build("long_returns", _LONG),
    "short_refunds": _build("short_refunds", _SHORT),
    "conditions": _build("conditions", _CONDITIONS),
}


def order(
    sku: str,
    category: str,
    *,
    status: str = "delivered",
    delivered: str | None = "2026-11-04T15:00:00+08:00",
    insurance: bool = False,
    price: float = 100,
) -> dict[str, Any]:
    """An order dict; delivered 11-04 means "now" (11-10) is day 6."""
    data: dict[str, Any] = {
        "status": status,
        "paid_at": "2026-11-01T10:00:00+08:00",
        "items": [{"sku": sku, "title": sku, "category": category, "price": price}],
        "shipping_insurance": insurance,
    }
    if status in ("shipped", "delivered", "refunding"):
        data["shipped_at"] = "2026-11-02T10:00:00+08:00"
    if status in ("delivered", "refunding") and delivered:
        data["delivered_at"] = delivered
    return data


def make_ctx(
    shop: str,
    reply: str,
    order_data: dict[str, Any] | None = None,
    conversation: tuple[str, ...] = (),
    now: str = NOW,
) -> GuardContext:
    """A guard context for a reply in one of the inline shops."""
    knowledge = SHOPS[shop]
    moment = datetime.fromisoformat(now)
    parsed = Order.model_validate(order_data) if order_data else None
    return GuardContext(
        reply=reply,
        shop=knowledge,
        facts=compute_order_facts(knowledge.rules, parsed, moment, buyer_texts=conversation),
        order=parsed,
        conversation=[Turn(role="customer", text=text) for text in conversation],
        now=moment,
    )
