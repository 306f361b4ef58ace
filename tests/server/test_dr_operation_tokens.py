"""DR operation tokens: generated from key shares on a DR secondary, as Vault's generate-root
machinery does, decoded by the real ``bao`` CLI, usable and revocable without a client token."""

from __future__ import annotations

import base64
import os
import subprocess

import httpx
import pytest
from openbao_support import bao_binary

from replcheck.reference_server.dr_operation_tokens import OTP_LENGTH, encode_token

from .conftest import vault
from .serve_process import ServeProcess

ATTEMPT = "/v1/sys/replication/dr/secondary/generate-operation-token/attempt"
UPDATE = "/v1/sys/replication/dr/secondary/generate-operation-token/update"
DELETE = "/v1/sys/replication/dr/secondary/operation-token/delete"
STATUS_MEMBERS = {"nonce", "started", "progress", "required", "complete", "encoded_token",
                  "encoded_root_token", "pgp_fingerprint", "otp", "otp_length"}


@pytest.fixture
def secondary(make_client):
    return make_client(scenario="dr-secondary-idle")


def _decode(encoded: str, otp: str) -> str:
    padded = encoded + "=" * (-len(encoded) % 4)
    return bytes(a ^ b for a, b in zip(base64.b64decode(padded), otp.encode(),
                                       strict=True)).decode()


def _generate(client, keys) -> tuple[str, str]:
    started = client.post(ATTEMPT).json()
    for key in keys:
        answer = client.put(UPDATE, json={"key": key, "nonce": started["nonce"]})
        assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["complete"] is True
    return body["encoded_token"], started["otp"]


def test_status_before_any_attempt_has_vaults_members(secondary):
    answer = secondary.get(ATTEMPT)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == STATUS_MEMBERS
    assert body["started"] is False and body["nonce"] == "" and body["progress"] == 0
    assert body["required"] == 1 and body["otp_length"] == OTP_LENGTH == 28


def test_a_whole_generation_without_a_client_token(secondary):
    core = vault(secondary)
    started = secondary.post(ATTEMPT)
    assert started.status_code == 200
    body = started.json()
    assert body["started"] is True and len(body["otp"]) == 28 and body["nonce"]
    status = secondary.get(ATTEMPT).json()
    assert status["otp"] == "" and status["nonce"] == body["nonce"]  # never shown again
    done = secondary.put(UPDATE, json={"key": core.unseal_keys[0], "nonce": body["nonce"]})
    assert done.status_code == 200
    result = done.json()
    assert set(result) == STATUS_MEMBERS
    assert result["complete"] is True and result["progress"] == result["required"] == 1
    assert result["encoded_root_token"] == ""  # only the standard strategy fills it
    token = _decode(result["encoded_token"], body["otp"])
    assert token.startswith("hvs.") and len(token) == 28
    assert core.dr_operation_tokens.valid(token)
    assert core.tokens.lookup(token) is None  # not a client token
    assert secondary.get(ATTEMPT).json()["started"] is False


def test_the_real_bao_cli_decodes_the_encoded_token(secondary, openbao, tmp_path):
    """``bao operator generate-root -decode`` reads only the OTP length from its server (a
    real OpenBao here); the decoding itself is the CLI's."""
    core = vault(secondary)
    encoded, otp = _generate(secondary, core.unseal_keys)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env.update(BAO_ADDR=openbao.url, BAO_TOKEN="root", HOME=str(tmp_path))
    done = subprocess.run(
        [bao_binary(), "operator", "generate-root", f"-decode={encoded}", f"-otp={otp}"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert core.dr_operation_tokens.valid(token)
    assert not core.dr_operation_tokens.valid(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_a_given_otp_is_used_and_never_echoed(secondary):
    otp = "o" * OTP_LENGTH
    body = secondary.put(ATTEMPT, json={"otp": otp}).json()
    assert body["otp"] == "" and body["started"] is True
    key = vault(secondary).unseal_keys[0]
    done = secondary.put(UPDATE, json={"Key": key, "NONCE": body["nonce"]}).json()  # any case
    assert vault(secondary).dr_operation_tokens.valid(_decode(done["encoded_token"], otp))


def test_three_of_five_shares_progress_one_by_one(make_client):
    client = make_client(scenario="dr-secondary-idle", key_shares=5, key_threshold=3)
    keys = vault(client).unseal_keys
    nonce = client.post(ATTEMPT).json()["nonce"]
    first = client.put(UPDATE, json={"key": keys[4], "nonce": nonce}).json()
    assert (first["progress"], first["required"], first["complete"]) == (1, 3, False)
    again = client.put(UPDATE, json={"key": keys[4], "nonce": nonce})
    assert again.status_code == 400
    assert again.json()["errors"] == [
        "given key has already been provided during this generation operation"]
    assert client.get(ATTEMPT).json()["progress"] == 1
    client.put(UPDATE, json={"key": keys[0], "nonce": nonce})
    last = client.put(UPDATE, json={"key": keys[2], "nonce": nonce}).json()
    assert last["complete"] is True and last["encoded_token"]


@pytest.mark.parametrize(("body", "message"), [
    ({"otp": "short"}, "OTP string is wrong length"),
    ({"pgp_key": "bWFkZSB1cA=="}, "pgp_key is not supported by this server"),
    ([1], "failed to parse JSON input: json: cannot unmarshal array into Go value of type "
          "http.GenerateRootInitRequest"),
    ({"otp": 5}, "failed to parse JSON input: json: cannot unmarshal number into Go struct "
                 "field GenerateRootInitRequest.otp of type string"),
])
def test_a_bad_start_is_refused_and_starts_nothing(secondary, body, message):
    refused = secondary.put(ATTEMPT, json=body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0].startswith(message)
    assert secondary.get(ATTEMPT).json()["started"] is False


def test_a_second_start_is_refused_and_keeps_the_first(secondary):
    nonce = secondary.post(ATTEMPT).json()["nonce"]
    refused = secondary.post(ATTEMPT)
    assert refused.status_code == 400
    assert refused.json() == {"errors": ["root generation already in progress"]}
    assert secondary.get(ATTEMPT).json()["nonce"] == nonce


def test_bad_updates_are_refused_and_change_nothing(make_client):
    client = make_client(scenario="dr-secondary-idle", key_shares=3, key_threshold=2)
    keys = vault(client).unseal_keys
    no_attempt = client.put(UPDATE, json={"key": keys[0], "nonce": "x"})
    assert no_attempt.json() == {"errors": ["no root generation in progress"]}
    nonce = client.post(ATTEMPT).json()["nonce"]
    short = base64.b64encode(b"k" * 8).decode()
    cases = [
        ({"nonce": nonce}, "'key' must be specified in request body as JSON"),
        ({"key": "!!", "nonce": nonce}, "'key' must be a valid hex or base64 string"),
        ({"key": short, "nonce": nonce}, "invalid key: key is shorter than minimum 16 bytes"),
        ({"key": keys[0], "nonce": "wrong"},
         f'incorrect nonce supplied; nonce for this root generation operation is "{nonce}"'),
        ({"key": 1, "nonce": nonce}, "failed to parse JSON input: json: cannot unmarshal "
                                     "number into Go struct field GenerateRootUpdateRequest.Key"),
    ]
    for body, message in cases:
        refused = client.put(UPDATE, json=body)
        assert refused.status_code == 400, body
        assert refused.json()["errors"][0].startswith(message), refused.text
    empty = client.put(UPDATE)
    assert empty.status_code == 400 and empty.json() == {"errors": ["EOF"]}
    broken = client.put(UPDATE, content=b"{", headers={"Content-Type": "application/json"})
    assert broken.json()["errors"][0].startswith("failed to parse JSON input: ")
    status = client.get(ATTEMPT).json()
    assert (status["nonce"], status["progress"], status["started"]) == (nonce, 0, True)


def test_wrong_shares_abort_the_round_but_keep_the_attempt(make_client):
    client = make_client(scenario="dr-secondary-idle")
    core = vault(client)
    nonce = client.post(ATTEMPT).json()["nonce"]
    wrong = base64.b64encode(os.urandom(32)).decode()
    refused = client.put(UPDATE, json={"key": wrong, "nonce": nonce})
    assert refused.status_code == 400
    assert refused.json()["errors"][0].startswith("root generation aborted: ")
    status = client.get(ATTEMPT).json()
    assert (status["started"], status["progress"], status["nonce"]) == (True, 0, nonce)
    done = client.put(UPDATE, json={"key": core.unseal_keys[0], "nonce": nonce})
    assert done.json()["complete"] is True


def test_a_share_may_be_given_in_hex(secondary):
    key = base64.b64decode(vault(secondary).unseal_keys[0]).hex()
    nonce = secondary.post(ATTEMPT).json()["nonce"]
    assert secondary.put(UPDATE, json={"key": key, "nonce": nonce}).json()["complete"] is True


def test_cancel_drops_the_attempt(secondary):
    secondary.post(ATTEMPT)
    cancelled = secondary.delete(ATTEMPT)
    assert cancelled.status_code == 204 and cancelled.content == b""
    assert secondary.get(ATTEMPT).json()["started"] is False


def test_adopted_shares_are_the_ones_that_generate(make_client):
    client = make_client(scenario="dr-secondary-idle")
    own = vault(client).unseal_keys
    primary = make_client(key_shares=2, key_threshold=2)
    vault(client).adopt_unseal_keys(vault(primary).unseal_keys)
    assert client.get(ATTEMPT).json()["required"] == 2
    nonce = client.post(ATTEMPT).json()["nonce"]
    client.put(UPDATE, json={"key": vault(primary).unseal_keys[0], "nonce": nonce})
    done = client.put(UPDATE, json={"key": vault(primary).unseal_keys[1], "nonce": nonce})
    assert done.json()["complete"] is True
    nonce = client.post(ATTEMPT).json()["nonce"]
    client.put(UPDATE, json={"key": vault(primary).unseal_keys[0], "nonce": nonce})
    refused = client.put(UPDATE, json={"key": own[0], "nonce": nonce})
    assert refused.status_code == 400  # the cluster's old key no longer works


def test_delete_revokes_the_token_it_is_given(secondary):
    core = vault(secondary)
    encoded, otp = _generate(secondary, core.unseal_keys)
    token = _decode(encoded, otp)
    for body in ({}, {"dr_operation_token": "hvs.not-a-dr-token"}):
        refused = secondary.post(DELETE, json=body)
        assert refused.status_code == 400
        assert refused.json() == {"errors": ["invalid dr operation token"]}
        assert core.dr_operation_tokens.valid(token)
    deleted = secondary.post(DELETE, json={"dr_operation_token": token})
    assert deleted.status_code == 204
    assert not core.dr_operation_tokens.valid(token)
    assert secondary.post(DELETE, json={"dr_operation_token": token}).status_code == 400


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", ATTEMPT, None), ("POST", ATTEMPT, None), ("DELETE", ATTEMPT, None),
    ("PUT", UPDATE, {"key": "AAAA", "nonce": "x"}), ("POST", DELETE, {"dr_operation_token": "x"}),
])
def test_elsewhere_than_a_dr_secondary_the_paths_are_refused(client, method, path, body):
    # operation-token/delete takes a client token anywhere but on a DR secondary (the route's
    # ``dr_operation_token``): with the root token, the handler says why it refuses.
    root = {"X-Vault-Token": vault(client).root_token}
    refused = client.request(method, path, json=body, headers=root)
    assert refused.status_code == 400
    assert refused.json() == {"errors": ["this cluster is not a DR secondary"]}
    core = vault(client)
    assert core.dr_operation_tokens.status()["started"] is False


def test_methods_the_handlers_do_not_serve_are_405(secondary):
    for method, path in (("PATCH", ATTEMPT), ("GET", UPDATE), ("DELETE", UPDATE)):
        refused = secondary.request(method, path)
        assert refused.status_code == 405 and refused.json() == {"errors": []}


def test_encode_token_is_vaults_xor_and_unpadded_base64():
    assert encode_token("ab", "AB") == base64.b64encode(b"  ").decode().rstrip("=")
    with pytest.raises(ValueError):
        encode_token("abc", "AB")


def test_refusals_say_what_openbaos_generate_root_says(make_client, openbao):
    """The same machinery in OpenBao (now a logical path with a token, its errors wrapped in
    multierror text) refuses the same inputs with the same sentences (Vault's HTTP handler
    answers each with 400, as the reference does); the two texts OpenBao
    reworded since Vault 1.17 (``OTP string has incorrect length``, ``... in progress for this
    namespace``) are left out."""
    bao = httpx.Client(base_url=openbao.url + "/v1/sys/generate-root-token",
                       headers={"X-Vault-Token": "root"})
    ours = make_client(scenario="dr-secondary-idle")
    wrong_key = base64.b64encode(os.urandom(32)).decode()
    short_key = base64.b64encode(b"k" * 8).decode()

    def both(body: dict[str, str]) -> tuple[str, str]:
        real = bao.put("/update", json=body)
        mine = ours.put(UPDATE, json=body)
        # Vault's handler answers every refusal 400; OpenBao's logical path answers some 500.
        assert mine.status_code == 400 and real.status_code in (400, 500), (real.text, mine.text)
        return real.json()["errors"][0], mine.json()["errors"][0]

    try:
        real, mine = both({"key": wrong_key, "nonce": "x"})
        assert mine == "no root generation in progress" and mine in real
        bao_nonce = bao.put("/attempt", json={}).json()["data"]["nonce"]
        our_nonce = ours.put(ATTEMPT, json={}).json()["nonce"]
        real, mine = both({"key": wrong_key, "nonce": "x"})
        assert real.replace(bao_nonce, our_nonce).endswith(mine + "\n\n")
        for key in ("!!", short_key, wrong_key):
            real, mine = both({"key": key, "nonce": bao_nonce})
            ours_again = ours.put(UPDATE, json={"key": key, "nonce": our_nonce}).json()
            assert ours_again["errors"][0] in real
            assert ours.get(ATTEMPT).json()["progress"] == 0
        status = bao.get("/attempt").json()["data"]
        assert set(status) <= STATUS_MEMBERS and status["progress"] == 0 and status["started"]
    finally:
        bao.delete("/attempt")
        bao.close()


def test_the_key_the_banner_prints_generates_a_token_and_neither_reaches_the_log(tmp_path):
    log = tmp_path / "serve.log"
    with ServeProcess(log, "--state", "dr-secondary-idle", "--access-log") as server:
        (key,) = [line.split(": ", 1)[1] for line in server.banner
                  if line.startswith("Unseal Key: ")]
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as http:
            started = http.post(ATTEMPT).json()
            done = http.put(UPDATE, json={"key": key, "nonce": started["nonce"]}).json()
            token = _decode(done["encoded_token"], started["otp"])
            deleted = http.post(DELETE, json={"dr_operation_token": token})
    assert deleted.status_code == 204
    text = log.read_text()
    assert "generate-operation-token/update 200" in text  # the access log did log the calls
    for secret in (key, token, started["otp"], done["encoded_token"]):
        assert secret not in text
