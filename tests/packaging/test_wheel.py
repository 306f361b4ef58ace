"""The wheel carries the spec as package data, and the installed code finds it there.

The test builds the wheel (no dependencies), unpacks it, and imports ``replcheck.spec`` from the
unpacked copy in a child process whose working directory is outside the source tree, so the
editable install of the repository cannot be what answers.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from checkout_copy import REPO, copy_of_checkout

from replcheck import spec


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once for this module's tests."""
    return _build_wheel(tmp_path_factory.mktemp("wheel") / "dist")


def _build_wheel(out: Path) -> Path:
    """The wheel, built from a copy of the checkout: an in-tree ``build/`` left by an earlier
    build (setuptools reuses it) could otherwise ship modules the layout no longer has."""
    source = copy_of_checkout(out.parent / "source")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("replcheck-*.whl")
    return wheel


def test_wheel_ships_every_spec_file_and_works_without_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    spec_dir = spec.spec_dir()
    expected = {
        "replcheck/spec/" + path.relative_to(spec_dir).as_posix()
        for path in spec_dir.rglob("*")
        if path.is_file() and path.suffix in {".yaml", ".json", ".py", ".j2"}
    }
    expected |= {
        f"replcheck/{path.relative_to(REPO).as_posix()}"
        for path in (REPO / "reference_server" / "topology" / "named").glob("*.yaml")
    }
    assert expected <= names, sorted(expected - names)
    assert "replcheck-0.1.0.dist-info/entry_points.txt" in names

    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    probe = (
        "import replcheck.spec\n"
        "from replcheck.spec.violations import violations\n"
        f"assert str(replcheck.spec.spec_dir()).startswith({str(unpacked)!r}), "
        "replcheck.spec.spec_dir()\n"
        "bundled = replcheck.spec.bundled_openapi()\n"
        "assert len(bundled['components']['schemas']) == len(replcheck.spec.schema_names())\n"
        "for name in replcheck.spec.example_names():\n"
        "    replcheck.spec.example(name)\n"
        "assert violations('status', replcheck.spec.example('status-dr-perf-primary-2024')) == []\n"
        "from replcheck.reference_server.topology.definition import NAMED, load\n"
        "assert NAMED == ('dr-pair', 'perf-pair', 'six-cluster'), NAMED\n"
        "assert [len(load(name).clusters) for name in NAMED] == [2, 2, 6]\n"
        "print('ok', len(replcheck.spec.requirements()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")


USER_PACKAGE = {
    "conformance/__init__.py": '"""A user\'s own package with a generic name."""\n',
    "conformance/rules.py": "def allowed(name: str) -> bool:\n    return name != 'forbidden'\n",
    "reference_server/__init__.py": "PORT = 8200\n",
    "tests/test_rules.py": (
        "from conformance.rules import allowed\n"
        "from reference_server import PORT\n\n\n"
        "def test_rules() -> None:\n"
        "    assert allowed('x') and not allowed('forbidden') and PORT == 8200\n"
    ),
}


def test_wheel_installs_under_one_namespace_beside_a_users_conformance_package(
    wheel: Path, tmp_path: Path
) -> None:
    """Installed, replcheck owns the single top-level package ``replcheck``: a user project with
    its own ``conformance`` and ``reference_server`` packages still runs its tests, with the
    replcheck plugin loaded from ``replcheck.conformance.plugin`` and its suite collectable with
    ``pytest --pyargs replcheck.conformance.suite``."""
    tops = {name.split("/", 1)[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"replcheck"}

    venv = tmp_path / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    # No pip of its own (ensurepip costs more than the rest of the test): this venv's pip
    # installs into it with --python.
    subprocess.run([base_python, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = str(venv / "bin" / "python")
    # Only replcheck itself comes from the wheel; its dependencies are borrowed from this venv
    # (no download), the way the GitHub Action test does it.
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "HOME": str(tmp_path),
    }
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", str(wheel)],
        check=True, env=env, capture_output=True, timeout=300,
    )
    # The console script (its entry is ``replcheck.__main__:main``) and ``python -m replcheck``.
    for command in ([str(venv / "bin" / "replcheck")], [python, "-m", "replcheck"]):
        version = subprocess.run(
            [*command, "--version"], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert version.stdout == "replcheck 0.1.0\n", (command, version.stdout, version.stderr)
    project = tmp_path / "project"
    for name, text in USER_PACKAGE.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)

    def pytest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "-m", "pytest", "-p", "no:cacheprovider", *args],
            cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
        )

    own = pytest("tests", "-q")
    assert own.returncode == 0, own.stdout + own.stderr
    assert "1 passed" in own.stdout
    plugins = pytest("tests", "-q", "--trace-config", "--co")
    assert "replcheck.conformance.plugin" in plugins.stdout, plugins.stdout
    suite = pytest("--pyargs", "replcheck.conformance.suite", "--collect-only", "-q")
    assert suite.returncode == 0, suite.stdout + suite.stderr
    assert "STATUS" in suite.stdout
    located = subprocess.run(
        [python, "-c", "import replcheck.conformance as c; print(c.__file__)"],
        cwd=project, env=env, capture_output=True, text=True, check=True,
    ).stdout
    assert located.startswith(str(venv))


def test_wheel_holds_the_folders_as_real_files_through_the_links(wheel: Path) -> None:
    """In the checkout ``replcheck/conformance`` (and its siblings) is a link to the top-level
    folder; the wheel holds every module of the folders as a regular file, none as a link."""
    infos = zipfile.ZipFile(wheel).infolist()
    links = [i.filename for i in infos if (i.external_attr >> 16) & 0o170000 == 0o120000]
    names = {i.filename for i in infos}
    expected = {
        f"replcheck/{path.relative_to(REPO).as_posix()}"
        for top in ("conformance", "reference_server")
        for path in (REPO / top).rglob("*.py")
    }
    assert links == [] and expected <= names, sorted(expected - names)
