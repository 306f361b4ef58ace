"""``replcheck serve``'s transport settings: header-read timeout, access log, their checks."""

from __future__ import annotations

import argparse
import subprocess

import httpx
import pytest

from replcheck.reference_server import cli
from replcheck.reference_server.app import VaultDispatcher, create_app
from replcheck.reference_server.config import ConfigError, ServerConfig, load_config
from replcheck.reference_server.http_connection import (
    DEFAULT_READ_HEADER_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    protocol_class,
)
from replcheck.reference_server.serving import asgi_entry

from .serve_process import ServeProcess, replcheck_command


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_are_vaults_timeout_and_no_access_log():
    config = cli.build_config(_args())
    assert config.read_header_timeout == DEFAULT_READ_HEADER_TIMEOUT == 10.0
    assert config.read_timeout == DEFAULT_READ_TIMEOUT == 30.0
    assert config.access_log is False


def test_the_read_timeout_flag_and_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("read_timeout: 12\n")
    assert load_config(path).read_timeout == 12
    config = cli.build_config(_args("--config", str(path), "--read-timeout", "0"))
    assert config.read_timeout == 0


def test_a_head_without_its_own_timeout_has_the_whole_request_timeout():
    """As Go's ReadHeaderTimeout, which falls back to ReadTimeout when 0."""
    assert protocol_class(0, 30).read_header_timeout == 30  # type: ignore[attr-defined]
    assert protocol_class(10, 30).read_header_timeout == 10  # type: ignore[attr-defined]
    assert protocol_class(0, 0).read_header_timeout == 0  # type: ignore[attr-defined]
    # each server counts its own malformed requests
    assert (protocol_class().malformed_requests  # type: ignore[attr-defined]
            is not protocol_class().malformed_requests)  # type: ignore[attr-defined]


def test_flags_beat_the_config_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("read_header_timeout: 3\naccess_log: false\n")
    assert load_config(path).read_header_timeout == 3
    config = cli.build_config(_args("--config", str(path), "--read-header-timeout", "0.5",
                                    "--access-log"))
    assert config.read_header_timeout == 0.5 and config.access_log is True


_TIMEOUT = "'read_header_timeout' (flag --read-header-timeout of replcheck serve)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("read_header_timeout: -1", f"{_TIMEOUT} must be a number of seconds >= 0"),
        ("read_header_timeout: soon", f"{_TIMEOUT} must be a number of seconds >= 0"),
        ("read_timeout: -3", "'read_timeout' (flag --read-timeout of replcheck serve) must be "
                             "a number of seconds >= 0"),
        ("read_timeout: .inf", "'read_timeout' (flag --read-timeout of replcheck serve) must "
                               "be a number of seconds >= 0"),
        ("access_log: maybe", "'access_log' (flag --access-log of replcheck serve) must be true"),
    ],
)
def test_bad_transport_settings_name_the_key(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)


def test_server_config_checks_the_timeout_in_code():
    with pytest.raises(ValueError, match="read_header_timeout"):
        ServerConfig(read_header_timeout=True)  # type: ignore[arg-type]


@pytest.mark.parametrize("flag", ["--read-header-timeout", "--read-timeout"])
@pytest.mark.parametrize("value", ["-1", "soon", "nan", "inf"])
def test_a_bad_timeout_flag_is_one_sentence_and_exit_2(flag, value):
    result = subprocess.run([*replcheck_command(), "serve", flag, value],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert flag in result.stderr and "seconds" in result.stderr


def _status_with_token(server: ServeProcess) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        headers = {"X-Vault-Token": server.root_token}
        assert client.get("/v1/sys/replication/status?x=secret-query").status_code == 200
        assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 200


def test_access_log_is_off_by_default(tmp_path):
    with ServeProcess(tmp_path / "server.log", root_token="dev-root") as server:
        _status_with_token(server)
    log = server.log()
    assert "replcheck.reference_server.access" not in log
    assert "dev-root" not in log


def test_access_log_names_route_templates_never_tokens_or_queries(tmp_path):
    with ServeProcess(tmp_path / "server.log", "--access-log", "--log-level", "warning",
                      root_token="dev-root") as server:
        _status_with_token(server)
    log = server.log()  # written by the queue's thread, flushed when the server stopped
    assert "replcheck.reference_server.access: GET sys/replication/status 200" in log
    assert "replcheck.reference_server.access: POST sys/replication/recover 200" in log
    assert "dev-root" not in log and "secret-query" not in log


def test_uvicorn_serves_the_dispatcher_itself_unless_the_app_is_wrapped():
    """Starlette's layers cost a third of each answer; a change to ``create_app`` that loses
    this shortcut shows here, not only as a slower benchmark."""
    app = create_app()
    assert isinstance(asgi_entry(app), VaultDispatcher)

    async def wrapper(scope, receive, send):
        await app(scope, receive, send)

    assert asgi_entry(wrapper) is wrapper
