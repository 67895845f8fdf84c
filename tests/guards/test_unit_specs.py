"""ungrounded_fact: unit families (Pa, rpm, K, lx, GHz, dimensions), steel grades, age floors, short names.

An inline shop of our own (`appliances`) so the development shops stay out of the tests.
"""

from __future__ import annotations

import pytest

from service.guards.base import GuardContext
from service.guards.ungrounded_fact import UngroundedFactGuard
from tests.guards.shops import SHOPS, _build, make_ctx

_DOCS = {
    "purifier": """---
id: purifier
type: product
title: 清风空气净化器 P9
sku: P9
category: 家电
price: 899
tags: [空气净化器, 家电]
---
# 清风空气净化器 P9

## 规格
- 风机转速: 1800 转/分钟
- 噪音: 33 dB(睡眠模式)
- 风压: 600 Pa
- 尺寸: 40 x 22 x 60 cm
- 集尘盒容量: 300 ml
- 联网: 仅支持 2.4 GHz Wi-Fi
- 保修: 2 年

## 常见问题
- 滤网建议 6 个月更换一次。
""",
    "nightlight": """---
id: nightlight
type: product
title: 星点儿童小夜灯 N3
sku: N3
category: 照明
price: 89
tags: [小夜灯, 照明]
---
# 星点儿童小夜灯 N3

## 规格
- 色温: 2700 K
- 照度: 50 lx
- 适用年龄: 6 个月以上
- 材质: 灯罩 食品级硅胶, 底座 ABS
""",
    "mug": """---
id: mug
type: product
title: 暖杯焖烧杯 M2
sku: M2
category: 餐具
price: 159
tags: [焖烧杯, 餐具]
---
# 暖杯焖烧杯 M2

## 规格
- 容量: 750 ml
- 材质: 内胆 316 不锈钢, 外壳 304 不锈钢, 杯盖 PP
""",
}

SHOPS["appliances"] = _build("appliances", _DOCS)
GUARD = UngroundedFactGuard()


def _ctx(reply: str, *conversation: str) -> GuardContext:
    return make_ctx("appliances", reply, conversation=conversation)


VIOLATIONS = [
    ("P9 风压能到 900Pa,吸附很快。", ()),
    ("P9 风机转速 2500 rpm。", ()),
    ("睡眠模式只有 25 分贝,放卧室没问题。", ("净化器吵不吵",)),
    ("集尘盒有 500ml,半年倒一次。", ("净化器",)),
    ("P9 的尺寸是 30 x 20 x 50 cm。", ()),
    ("P9 2.4G 和 5G 的 Wi-Fi 都能连。", ()),
    ("N3 色温 4000K,偏白光。", ()),
    ("N3 照度有 200 lx。", ()),
    ("这款小夜灯 3个月以上的宝宝就能用。", ()),
    ("M2 内胆是 304 不锈钢的。", ()),
    ("M2 外壳是 316不锈钢。", ()),
    ("The N3 night light has a 6500 K colour temperature.", ()),
]

CLEAN = [
    ("P9 风压 600Pa,转速 1800 转/分钟。", ()),
    ("睡眠模式大约 33 分贝。", ("净化器吵不吵",)),
    ("P9 只支持 2.4G 的 Wi-Fi,不支持 5G。", ()),
    ("P9 的尺寸是 40 x 22 x 60 cm。", ()),
    ("P9 滤网 6 个月换一次就行。", ()),  # stated in the document's FAQ
    ("这款小夜灯 6个月以上的宝宝可以用,1岁以上更放心。", ()),
    ("如果您家路由器是 5G 的,可以单独开一个 2.4G 网络。", ("净化器能连 wifi 吗",)),
    ("M2 内胆 316 不锈钢,外壳 304 不锈钢。", ()),
    ("M2 和 304 不锈钢的杯子比,保温更久。", ()),
    ("N3 不是 4000K 的,是 2700K 暖光。", ()),
    ("您说的 5000Pa 是别家的扫地机哦。", ()),
]


@pytest.mark.parametrize(("reply", "conversation"), VIOLATIONS)
def test_unit_family_violations(reply: str, conversation: tuple[str, ...]) -> None:
    found = GUARD.check(_ctx(reply, *conversation))
    assert any(v.rule == "ungrounded_fact.number" for v in found), reply


@pytest.mark.parametrize(("reply", "conversation"), CLEAN)
def test_unit_family_clean(reply: str, conversation: tuple[str, ...]) -> None:
    found = GUARD.check(_ctx(reply, *conversation))
    assert not found, [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]
