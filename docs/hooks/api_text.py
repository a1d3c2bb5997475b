"""MkDocs hook: reStructuredText leftovers in the rendered API reference.

The docstrings are read as Markdown (``docstring_style: google``), and some of them use
Sphinx roles (``:func:`solve```, ``:class:`Result```, ``:mod:`corridors.io```) and a
paragraph ending in ``::`` before an indented block. Markdown renders the role's target as
code and leaves the role name in front of it; this hook drops the role name (and, after a
``~``, the path before the last name, as Sphinx shows it) and the second colon, on the pages
under ``reference/`` only, so the source stays as it is.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = r":(?:py:)?(?:func|class|mod|meth|attr|data|obj|exc|const):"
ROLE = re.compile(_ROLE + r"(?=<code>)")
#: ``:func:`~a.b.c``` shows ``c`` in Sphinx
ROLE_SHORT = re.compile(_ROLE + r"<code>~(?:[\w.]+\.)?(\w+)</code>")
LITERAL_COLONS = re.compile(r"::(?=</p>)")


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if not page.file.src_uri.startswith("reference/"):
        return html
    html = ROLE_SHORT.sub(r"<code>\1</code>", html)
    return LITERAL_COLONS.sub(":", ROLE.sub("", html))
