"""`replcheck completion bash|zsh`: a static script, generated from the command's own parser,
that completes sub-commands, flags and the broken servers' names; the bash one is sourced in a
real bash and asked for completions."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from replcheck.conformance.cli import build_parser, main
from replcheck.reference_server.broken import ZOO


def _sub_commands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


def _script(shell: str) -> str:
    done = subprocess.run([sys.executable, "-m", "replcheck.conformance.cli", "completion", shell],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_the_script_names_every_sub_command_and_broken_server(shell) -> None:
    script = _script(shell)
    for command in _sub_commands():
        assert command in script, command
    assert "--break" in script and "--state" in script
    assert "--scenario" not in script  # deprecated spellings are not offered
    assert all(broken.name in script for broken in ZOO)


def test_an_unknown_shell_exits_2_in_one_sentence(capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["completion", "fish"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bash" in err and "zsh" in err


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    path = tmp_path_factory.mktemp("completion") / "replcheck.bash"
    path.write_text(_script("bash"), encoding="utf-8")
    return path


def _complete(script: Path, *words: str) -> list[str]:
    """What bash offers after ``replcheck WORDS`` (the last word being completed), asked the way
    bash's programmable completion asks: COMP_WORDS, COMP_CWORD, then the function that
    ``complete -p replcheck`` names."""
    program = (
        f'source "{script}"\n'
        'spec=$(complete -p replcheck) || exit 3\n'
        'function=${spec#*-F }; function=${function%% *}\n'
        'COMP_WORDS=(replcheck "$@"); COMP_CWORD=$#\n'
        'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}\n'
        '"$function" replcheck "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program, "bash", *words],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_registers_the_completion(bash_script: Path) -> None:
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", f'source "{bash_script}"; complete -p replcheck'],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("complete ") and done.stdout.rstrip().endswith(" replcheck")


def test_bash_completes_sub_commands(bash_script: Path) -> None:
    assert set(_complete(bash_script, "")) >= set(_sub_commands())
    assert _complete(bash_script, "se") == ["serve"]
    assert _complete(bash_script, "comp") == ["completion"]
    assert _complete(bash_script, "cl") == ["cleanup"]


def test_bash_completes_flags_and_broken_server_names(bash_script: Path) -> None:
    assert _complete(bash_script, "run", "--bre") == ["--break"]
    assert _complete(bash_script, "run", "--sce") == []
    assert _complete(bash_script, "serve", "--break", "sudo-bypass-ca") == ["sudo-bypass-case"]
    assert _complete(bash_script, "run", "--break", "wal-go") == ["wal-goes-back"]
    assert "list" in _complete(bash_script, "run", "--break", "li")
    assert _complete(bash_script, "serve", "--state", "perf-") == ["perf-secondary"]
    assert _complete(bash_script, "completion", "z") == ["zsh"]
    assert _complete(bash_script, "cleanup", "--dr") == ["--dry-run"]
    assert _complete(bash_script, "cleanup", "--run-") == ["--run-id"]
