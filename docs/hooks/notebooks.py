"""MkDocs hook: the notebooks of examples/ as pages of the site, under "Notebooks".

mkdocs sees only files under docs/, and the notebooks live in examples/ (stored without
outputs). This hook adds every ``examples/*.ipynb`` to the build as ``notebooks/NAME.ipynb``
(mkdocs-jupyter renders them, without executing them), lists them in the nav under the
"Notebooks" entry and on the notebooks page (in place of the ``<!-- notebooks -->`` marker),
and has ``mkdocs serve`` watch the folder. With no notebooks (or no examples/ folder) the
page says so and the site still builds.

``CORRIDORS_DOCS_NOTEBOOKS=/some/folder`` takes the notebooks from another folder (to try the
page with a throwaway notebook).
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.notebooks")

MARKER = "<!-- notebooks -->"
PAGE = "notebooks.md"
NAV_TITLE = "Notebooks"
URI_DIR = "notebooks"


def _folder(config: Any) -> Path:
    override = os.environ.get("CORRIDORS_DOCS_NOTEBOOKS")
    if override:
        return Path(override).resolve()
    return Path(config.config_file_path).resolve().parent / "examples"


def _notebooks(config: Any) -> list[Path]:
    folder = _folder(config)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _title_and_summary(path: Path) -> tuple[str, str]:
    """The first level-1 heading of the notebook's markdown cells and the paragraph after it
    (the file name and nothing when there is none, or the file is not readable JSON)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("notebook %s is not readable: %s", path, exc)
        return path.stem, ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        src = cell.get("source", "")
        text = "".join(src) if isinstance(src, list) else str(src)
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# "):
                rest = "\n".join(lines[i + 1 :]).strip()
                summary = rest.split("\n\n")[0].replace("\n", " ").strip()
                if summary.startswith("#"):
                    summary = ""
                return line[2:].strip(), summary
    return path.stem, ""


def on_config(config: Any) -> Any:
    """Nav: the notebooks page becomes a section holding it and one page per notebook."""
    found = _notebooks(config)
    if not found or not config.nav:
        return config
    pages = [{_title_and_summary(p)[0]: f"{URI_DIR}/{p.name}"} for p in found]
    for i, item in enumerate(config.nav):
        if isinstance(item, dict) and item.get(NAV_TITLE) == PAGE:
            config.nav[i] = {NAV_TITLE: [PAGE, *pages]}
            break
    else:
        log.warning("mkdocs.yml nav has no '%s: %s' entry for the notebooks", NAV_TITLE, PAGE)
    return config


_stage: Path | None = None  # this build's copies of the notebooks


def _clean_stage() -> None:
    global _stage
    if _stage is not None:
        shutil.rmtree(_stage, ignore_errors=True)
        _stage = None


@event_priority(50)  # before mkdocs-jupyter (priority 0) turns .ipynb files into pages
def on_files(files: Files, config: Any) -> Files:
    """Each notebook as the file ``notebooks/NAME.ipynb`` of the build.

    They are copied into a temporary folder laid out as under docs/ and added as ordinary
    files: mkdocs-jupyter reads a page's file from ``src_dir/src_uri``, which a virtual file
    (``File.generated``) does not have.
    """
    global _stage
    _clean_stage()
    found = _notebooks(config)
    if not found:
        return files
    _stage = Path(tempfile.mkdtemp(prefix="corridors-docs-notebooks-"))
    (_stage / URI_DIR).mkdir()
    for path in found:
        shutil.copyfile(path, _stage / URI_DIR / path.name)
        files.append(
            File(
                f"{URI_DIR}/{path.name}",
                src_dir=str(_stage),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def on_post_build(config: Any) -> None:
    _clean_stage()


def on_build_error(error: Exception) -> None:
    _clean_stage()


def on_shutdown() -> None:
    _clean_stage()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        log.warning("%s has no %s marker for the list of notebooks", PAGE, MARKER)
        return markdown
    found = _notebooks(config)
    if not found:
        listing = "*No notebooks yet: `examples/` holds none at the time this site was built.*"
    else:
        here = posixpath.dirname(page.file.dest_uri)
        rows = []
        for p in found:
            title, summary = _title_and_summary(p)
            link = f"[{title}]({URI_DIR}/{p.name})"
            nb = files.get_file_from_path(f"{URI_DIR}/{p.name}")
            # mkdocs-jupyter (include_source) copies the .ipynb next to the notebook's page
            copy = posixpath.join(posixpath.dirname(nb.dest_path), p.name) if nb else None
            get = (
                f' (<a href="{posixpath.relpath(copy, here or ".")}" download>'
                f"<code>examples/{p.name}</code></a>)"
                if copy
                else f" (`examples/{p.name}`)"
            )
            rows.append(f"- {link}{get}" + (f": {summary}" if summary else ""))
        listing = "\n".join(rows)
    return markdown.replace(MARKER, listing)


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """A download link at the top of each notebook's page (the copy of include_source)."""
    uri = page.file.src_uri
    if not (uri.startswith(f"{URI_DIR}/") and uri.endswith(".ipynb")):
        return html
    name = posixpath.basename(uri)
    link = (
        f'<p class="corridors-notebook-source"><a href="{name}" download>Download '
        f"<code>{name}</code></a> (<code>examples/{name}</code>, stored without outputs)</p>"
    )
    return link + html


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    folder = _folder(config)
    if folder.is_dir():
        server.watch(str(folder))
    return server
