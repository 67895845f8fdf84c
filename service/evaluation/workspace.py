"""A throw-away knowledge folder and settings for a golden run, so eval-only shops get indexed too."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from service.drafting.llm_client import LiteLLMClient
from service.errors import UserError
from service.evaluation.shops import SHOP_ROOTS, valid_shop_documents
from service.settings import LLMSettings, Settings

__all__ = ["SHOP_ROOTS", "eval_llm_settings", "eval_settings", "stage_knowledge"]


def stage_knowledge(shops: Iterable[str], target: Path, roots: Sequence[Path] = SHOP_ROOTS) -> Path:
    """Copy every root's `<shop>/*.md` into `target/<shop>/` (later roots add to earlier ones).

    Raises:
        UserError: a shop exists under none of the roots.
    """
    for shop in sorted(set(shops)):
        sources = [root / shop for root in roots if (root / shop).is_dir()]
        if not sources:
            raise UserError(f"shop `{shop}` not found in {', '.join(str(r) for r in roots)}")
        folder = target / shop
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            for file in sorted(source.glob("*.md")):
                shutil.copy2(file, folder / file.name)
        valid_shop_documents(shop, [target])  # a refused document would make it another shop: stop
    return target


def eval_llm_settings(base: Settings, *, model: str | None, use_llm: bool) -> LLMSettings:
    """The drafting LLM for a run: off, the `--model` litellm model, or the configured one.

    The local model's file is pinned to where the configured data dir keeps it, because the run
    itself uses a temporary data dir.
    """
    if not use_llm:
        return base.llm.model_copy(update={"mode": "off"})
    configured = base.model_copy(update={"llm_model_env": model}) if model else base
    llm = configured.effective_llm()
    if llm.mode == "local":
        path = LiteLLMClient(llm, base.data_dir).local_model_path()
        llm = llm.model_copy(update={"local_model_path": path})
    return llm


def eval_settings(base: Settings, workdir: Path, shops: Iterable[str], *, model: str | None = None,
                  use_llm: bool = True, roots: Sequence[Path] = SHOP_ROOTS) -> Settings:
    """Settings whose knowledge dir holds exactly the suite's shops and whose data dir is `workdir`.

    Args:
        base: the configured settings (embedder, prompts, LLM options are kept).
        workdir: an empty temporary folder; knowledge/ and data/ are created in it.
        shops: the shops the suite uses.
        model: a litellm model string (KEFU_LLM_MODEL semantics), or None for the configured LLM.
        use_llm: False switches the LLM off (deterministic drafts only).
        roots: folders holding one subfolder per shop.
    """
    knowledge = stage_knowledge(shops, workdir / "knowledge", roots)
    return base.model_copy(update={
        "knowledge_dir": knowledge,
        "data_dir": workdir / "data",
        "llm": eval_llm_settings(base, model=model, use_llm=use_llm),
        "llm_model_env": None,
    })
