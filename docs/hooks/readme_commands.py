"""MkDocs hook: the getting-started page states the README's two commands exactly.

The README's quick start has the command that installs corridors and solves the baseline and
the command that runs the tests, each in the fenced block after ``<!-- main-command -->`` and
``<!-- test-command -->`` (``.ci/run`` runs the second one as written). If docs/getting-started.md
does not contain both verbatim, this hook logs a warning, so ``mkdocs build --strict`` fails
instead of the site drifting from the README.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.readme_commands")

GETTING_STARTED = "getting-started.md"
MARKERS = ("main-command", "test-command")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == GETTING_STARTED:
        _check_readme_commands(markdown, config)
    return markdown


def _readme_block(readme: str, marker: str) -> str | None:
    """The fenced block after ``<!-- marker -->`` (as .ci/run reads the test command)."""
    m = re.search(rf"<!-- {re.escape(marker)} -->\s*\n```[^\n]*\n(.*?)\n```", readme, re.S)
    return m.group(1).strip() if m else None


def _check_readme_commands(markdown: str, config: Any) -> None:
    readme = Path(config.config_file_path).resolve().parent / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("cannot read %s to check %s: %s", readme, GETTING_STARTED, exc)
        return
    for marker in MARKERS:
        cmd = _readme_block(text, marker)
        if cmd is None:
            log.warning("README.md has no <!-- %s --> block", marker)
        elif cmd not in markdown:
            log.warning(
                "%s does not state README.md's %s exactly: %s", GETTING_STARTED, marker, cmd
            )
