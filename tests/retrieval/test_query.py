"""Building the search query from the conversation and the order."""

from __future__ import annotations

from service.guards.base import Turn
from service.policy.order import Order
from service.retrieval.query import build_query


def turns(*pairs: tuple[str, str]) -> list[Turn]:
    return [Turn(role=role, text=text) for role, text in pairs]


def order(*skus: str) -> Order:
    return Order.model_validate(
        {"status": "delivered", "items": [{"sku": s, "title": f"商品 {s}"} for s in skus]})


def test_a_self_contained_last_turn_is_the_query() -> None:
    conversation = turns(("customer", "手表能连苹果手机吗"), ("agent", "可以的亲"),
                         ("customer", "充电宝可以带上飞机吗 托运行不行"))
    assert build_query(conversation, None).text == "充电宝可以带上飞机吗 托运行不行"


def test_a_short_last_turn_brings_the_earlier_customer_turns_not_the_agents() -> None:
    conversation = turns(("customer", "音箱能防水吗"), ("agent", "亲,GoBox 是 IPX7 防水"),
                         ("customer", "海边玩能带吗"))
    assert build_query(conversation, None).text == "音箱能防水吗 海边玩能带吗"


def test_a_turn_that_refers_back_brings_at_most_three_customer_turns() -> None:
    conversation = turns(("customer", "一"), ("customer", "二"), ("customer", "三"),
                         ("customer", "那这个充电宝的续航到底怎么样呢"))
    assert build_query(conversation, None).text == "二 三 那这个充电宝的续航到底怎么样呢"


def test_without_customer_turns_the_last_turn_is_used() -> None:
    assert build_query(turns(("agent", "亲,在的")), None).text == "亲,在的"


def test_the_orders_products_are_boosted_not_pasted_into_the_text() -> None:
    query = build_query(turns(("customer", "少发了一根线 盒子里没有")), order("PB20", "ENGRAVE1"))
    assert query.boost_skus == ["PB20", "ENGRAVE1"]
    assert "商品" not in query.text
