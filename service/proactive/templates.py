"""The proactive wording and fact slots (prompts/proactive.yaml) as typed models, and their rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field

from service.errors import TemplateMissingVariables
from service.knowledge.document import DocType
from service.policy.order import OrderStatus
from service.proactive.models import ProactiveKind

OrderField = Literal["items", "courier", "tracking_number", "address"]


class Requirements(BaseModel):
    """What a kind needs from the request; each missing piece is a 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    status: list[OrderStatus] = Field(default_factory=list, description="allowed order states (empty: any)")
    order_fields: list[OrderField] = Field(default_factory=list)
    payment: Literal["cod"] | None = None
    review_text: bool = False
    conversation: bool = False

    @property
    def needs_order(self) -> bool:
        return bool(self.status or self.order_fields or self.payment)


class FactSlot(BaseModel):
    """One fact looked up in the shop's documents."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="retrieval query; {review} and {product} are filled in")
    cues: list[str] = Field(min_length=1, description="a usable sentence contains one of these")
    avoid: list[str] = Field(default_factory=list, description="a sentence with one of these is not used")
    refuse: list[str] = Field(default_factory=list, description="the shop does not offer this when found")
    must_have: list[Literal["times", "day_ranges", "hours", "yuan", "years"]] = Field(
        default_factory=list, description="figures the sentence must carry (e.g. day_ranges for transit times)")
    required: bool = False
    doc_types: list[DocType] = Field(default_factory=lambda: [DocType.policy, DocType.faq],
                                     description="buyer-facing documents only: guidelines are for agents")
    of_product: bool = Field(False, description="only the documents of the order's products (spec rows too)")


class Styles(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: str
    b: str


class KindSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requires: Requirements
    facts: dict[str, FactSlot] = Field(default_factory=dict)
    zh: Styles
    en: Styles


class ProactiveTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: dict[ProactiveKind, KindSpec]

    @classmethod
    def load(cls, path: Path) -> ProactiveTemplates:
        templates = cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        missing = set(ProactiveKind) - set(templates.kinds)
        if missing:
            raise ValueError(f"{path}: no wording for {sorted(missing)}")
        return templates

    def spec(self, kind: ProactiveKind) -> KindSpec:
        return self.kinds[kind]


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)


def render(kind: ProactiveKind, spec: KindSpec, language: Literal["zh", "en"], style: Literal["a", "b"],
           **variables: Any) -> str:
    """One style of one kind in one language, whitespace between sentences normalised.

    Raises:
        TemplateMissingVariables: the template uses a variable that was not given.
    """
    source = getattr(getattr(spec, language), style)
    try:
        text: str = _ENV.from_string(source).render(**variables)
    except jinja2.UndefinedError as exc:
        raise TemplateMissingVariables(f"proactive {kind.value}.{language}.{style}: {exc.message}") from exc
    text = " ".join(text.split())
    if language == "zh":  # folded YAML lines leave a space between Chinese sentences
        text = text.replace("。 ", "。").replace("~ ", "~")
    return text.strip()
