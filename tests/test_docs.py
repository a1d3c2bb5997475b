"""Docs stay in step with the code: every scenario key documented, every command has an example."""

from __future__ import annotations

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from corridors.cli import app
from corridors.io.schema import Scenario

DOCS = ROOT / "docs"


def test_docs_pages_exist():
    for name in ("data-format.md", "scenario-format.md", "model.md", "dask.md"):
        assert (DOCS / name).stat().st_size > 500, name


def test_every_scenario_key_is_documented():
    text = (DOCS / "scenario-format.md").read_text()
    for key, field in Scenario.model_fields.items():
        if field.exclude:  # set by the loader, not written in YAML
            continue
        assert f"`{key}`" in text, f"scenario key '{key}' missing from docs/scenario-format.md"


COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    res = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Example" in text and f"corridors {command}" in text
