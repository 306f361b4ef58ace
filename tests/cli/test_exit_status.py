"""Exit status: one table in docs/cli.md for every sub-command, and the codes it promises."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from replcheck.conformance.cli import build_parser, main, requirements_cmd

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _table_rows() -> dict[str, list[str]]:
    text = CLI_DOC.read_text(encoding="utf-8")
    section = text.split("### Exit status", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `replcheck ([a-z ]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def _sub_commands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


def test_the_readme_table_covers_every_sub_command() -> None:
    rows = _table_rows()
    # A command with actions of its own (``report merge``, ``report diff``) has a row per action.
    covered = set(rows) | {row.split(" ")[0] for row in rows}
    assert _sub_commands() <= covered, rows.keys()
    assert all(len(cells) == 4 and cells[2] != "—" for cells in rows.values()), rows


#: What a sub-command needs besides flags, so that the unknown flag is what it refuses.
_POSITIONALS = {
    "completion": ["bash"],
    "validate": ["capture.json"],
    "fleet": ["fleet.yaml"],
    "report": ["diff", "old.json", "new.json"],
}
#: The (sub-)sub-command that then refuses the flag.
_REFUSER = {"report": "report diff"}


@pytest.mark.parametrize("command", sorted(_sub_commands()))
def test_every_sub_command_answers_an_unknown_flag_with_its_usage(capsys, command) -> None:
    with pytest.raises(SystemExit) as raised:
        main([command, *_POSITIONALS.get(command, []), "--no-such-flag"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    refuser = _REFUSER.get(command, command)
    assert err.startswith(f"usage: replcheck {refuser} ") and "Traceback" not in err
    last = err.rstrip("\n").splitlines()[-1]
    assert last == f"replcheck {refuser}: error: unrecognized arguments: --no-such-flag", err


@pytest.mark.parametrize(
    ("argv", "usage", "hint"),
    [
        (["run", "--tokne", "root"], "usage: replcheck run ", "(did you mean --token?)"),
        (["serve", "--prot", "8200"], "usage: replcheck serve ", "(did you mean --port?)"),
        (["spec", "diff", "a", "b", "--quite"], "usage: replcheck spec diff ",
         "(did you mean --quiet?)"),
        (["run", "--zzzzzz"], "usage: replcheck run ", ""),
    ],
)
def test_a_mistyped_flag_gets_the_closest_one(capsys, argv, usage: str, hint: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(usage)
    last = captured.err.rstrip("\n").splitlines()[-1]
    assert last.endswith(hint) and "unrecognized arguments: " in last
    assert ("did you mean" in last) == bool(hint)


def test_bare_replcheck_prints_the_help_and_exits_2(capsys) -> None:
    """No command is a usage error (exit 2), answered with the help: every command, one line
    each, and how to get a command's flags."""
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: replcheck ")
    for command in _sub_commands():
        assert f"\n    {command}" in captured.err, command
    assert "replcheck COMMAND --help" in captured.err


def test_spec_help_shows_its_action_as_optional(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["spec", "--help"])
    out = capsys.readouterr().out
    usage = out.split("\n\n", 1)[0]
    assert "ACTION" not in usage
    assert "usage: replcheck spec [-h] [--format" in usage
    assert "\n       replcheck spec diff [-h] [--corpus DIR] [--quiet] OLD NEW" in usage
    assert "action (optional: without one, the document is printed)" in out


def test_ctrl_c_exits_130_in_any_sub_command(capsys, monkeypatch) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(requirements_cmd, "run", interrupted)
    assert main(["requirements"]) == 130
    assert capsys.readouterr().err == "replcheck: interrupted\n"
