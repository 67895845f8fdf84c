"""Prompt templates are files in prompts/; rendering fails loudly on a missing variable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from service.errors import TemplateMissingVariables


class PromptLibrary:
    """Loads and renders the templates of a prompts folder (jinja2, StrictUndefined)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)), undefined=jinja2.StrictUndefined,
            autoescape=False, keep_trailing_newline=False,
        )

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("*.md"))

    def render(self, name: str, **variables: Any) -> str:
        """Render `name` (e.g. draft_user.md).

        Raises:
            TemplateMissingVariables: a variable the template uses was not given.
        """
        try:
            return self._env.get_template(name).render(**variables).strip()
        except jinja2.UndefinedError as exc:
            raise TemplateMissingVariables(f"prompt {name}: {exc.message}") from exc
