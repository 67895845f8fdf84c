"""The lines of a policy section that apply to one product: "鲜切花:损坏不超过 3 枝的,按每枝 7 元退款".

A shop's after-sales section often says once what counts as a problem ("属于坏苗的情况:…主茎折断…") and then,
line by line, what is done for each kind of goods, each line labelled with the goods it covers ("绿植、蝴蝶兰:
请在签收后 48 小时内联系客服", "鲜切花:…"). The buyer's complaint matches the definition; the remedy is in the
labelled lines of the same section that name the buyer's product. Reading the section's structure keeps this
free of any word list: a label is the short head of a line before its colon, and it names a product when the
shop's catalogue finds that product in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from service.knowledge.document import Document

_HEADING = re.compile(r"^#{1,6}\s+\S")
_ITEM = re.compile(r"^\s*[-*]\s*(.+?)\s*$")
_LABEL = re.compile(r"^([^::。,,;;]{1,16})[::]\s*(\S.*)$")


def section_of(doc: Document, sentence: str) -> list[str]:
    """The list items of the section (between two headings) whose line holds `sentence`; [] if none does."""
    sections: list[list[str]] = [[]]
    for line in doc.body.splitlines():
        if _HEADING.match(line):
            sections.append([])
            continue
        item = _ITEM.match(line)
        if item:
            sections[-1].append(item.group(1))
    return next((items for items in sections if any(sentence in item for item in items)), [])


def labelled_lines(doc: Document, sentence: str, names_product: Callable[[str], bool],
                   limit: int = 2) -> list[str]:
    """The lines of `sentence`'s section whose label names the product (`names_product(label)`), in order,
    without the line of `sentence` itself."""
    picked: list[str] = []
    for item in section_of(doc, sentence):
        label = _LABEL.match(item)
        if label is None or sentence in item or not names_product(label.group(1)):
            continue
        picked.append(item)
        if len(picked) >= limit:
            break
    return picked
