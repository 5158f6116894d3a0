"""What the CLI prints from outside (a stage name, a path, an error) is printed as it is, never read as markup."""

from __future__ import annotations

from typer.testing import CliRunner

from newsflow.cli import app


def test_an_unknown_stage_with_brackets_is_named_as_given():
    result = CliRunner().invoke(app, ["serve", "[bold]x[/bold]"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "'[bold]x[/bold]'" in result.output
