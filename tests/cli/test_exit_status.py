"""Exit status: one table in the README for every sub-command, and the codes it promises."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from replcheck.conformance.cli import build_parser, main, requirements_cmd

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_rows() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
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
    assert _sub_commands() <= set(rows), rows.keys()
    assert all(len(cells) == 4 and cells[2] != "—" for cells in rows.values()), rows


@pytest.mark.parametrize("command", sorted(_sub_commands()))
def test_every_sub_command_exits_2_on_a_bad_flag_in_one_sentence(capsys, command) -> None:
    with pytest.raises(SystemExit) as raised:
        main([command, "--no-such-flag"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("replcheck") and "Traceback" not in err


def test_ctrl_c_exits_130_in_any_sub_command(capsys, monkeypatch) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(requirements_cmd, "run", interrupted)
    assert main(["requirements"]) == 130
    assert capsys.readouterr().err == "replcheck: interrupted\n"
