"""DR operation tokens: generated from a quorum of key shares on a DR secondary, as Vault does.

The generation is Vault's generate-root machinery with another strategy
(``vault/generate_root.go``; the DR endpoints ``sys/replication/dr/secondary/
generate-operation-token/{attempt,update}`` are its HTTP handlers with the DR strategy): start
an attempt (with an OTP the server makes, or one given), give key shares with the attempt's
nonce until the threshold is reached, then the token comes back XORed with the OTP and in
unpadded standard base64 (``roottoken.EncodeToken``), which ``vault operator generate-root
-dr-token -decode=… -otp=…`` (and ``bao operator generate-root -decode``) turn back into the
token. Error texts are Vault 1.17's.

Only SHA-256 digests of the tokens are kept: ``valid`` and ``revoke`` compare digests.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .conventions.errors import VaultError
from .key_shares import MAX_SHARE_BYTES, MIN_SHARE_BYTES, KeyShares, KeySharesError, decode_key

__all__ = ["INVALID_DR_OPERATION_TOKEN", "OTP_LENGTH", "DrOperationTokens", "encode_token"]

#: Vault's token length (24) plus the ``hvs.`` prefix: the OTP is as long as the token.
OTP_LENGTH = 28
_BASE62 = string.ascii_letters + string.digits
#: What an operation gated by a DR operation token answers when the token is missing or wrong.
INVALID_DR_OPERATION_TOKEN = "invalid dr operation token"


def encode_token(token: str, otp: str) -> str:
    """``roottoken.EncodeToken``: the token XOR the OTP, unpadded standard base64."""
    raw = bytes(a ^ b for a, b in zip(token.encode(), otp.encode(), strict=True))
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


@dataclass
class _Attempt:
    nonce: str
    otp: str = field(repr=False)
    progress: list[bytes] = field(default_factory=list, repr=False)


class DrOperationTokens:
    """The generation attempt in progress (at most one) and the tokens it has issued.

    ``key_shares`` is read at each update, so shares adopted from a primary (``core.
    adopt_unseal_keys``) take effect for the next share given.
    """

    def __init__(self, key_shares: Callable[[], KeyShares],
                 new_token: Callable[[], str]) -> None:
        self._key_shares = key_shares
        self._new_token = new_token
        self._lock = threading.Lock()
        self._attempt: _Attempt | None = None
        self._tokens: set[bytes] = set()

    # --- the tokens ---------------------------------------------------------------------------

    def valid(self, token: str) -> bool:
        """Whether ``token`` is a DR operation token this cluster issued and nobody revoked."""
        if not isinstance(token, str) or not token:
            return False
        with self._lock:
            return _digest(token) in self._tokens

    def revoke(self, token: str) -> None:
        with self._lock:
            self._tokens.discard(_digest(token))

    def clear(self) -> None:
        """Forget every token and the attempt (the cluster's storage was replaced)."""
        with self._lock:
            self._tokens.clear()
            self._attempt = None

    # --- the generation (the HTTP handlers' operations) ---------------------------------------

    def status(self, otp: str = "") -> dict[str, Any]:
        """What ``GET …/attempt`` answers; ``otp`` only right after the server made one."""
        with self._lock:
            attempt = self._attempt
            return {
                "nonce": attempt.nonce if attempt else "",
                "started": attempt is not None,
                "progress": len(attempt.progress) if attempt else 0,
                "required": self._key_shares().threshold,
                "complete": False,
                "encoded_token": "",
                "encoded_root_token": "",
                "pgp_fingerprint": "",
                "otp": otp,
                "otp_length": OTP_LENGTH,
            }

    def start(self, otp: str, pgp_key: str) -> dict[str, Any]:
        """``POST …/attempt``: a new attempt, with a fresh OTP unless one is given."""
        generated = not otp and not pgp_key
        if generated:
            otp = "".join(secrets.choice(_BASE62) for _ in range(OTP_LENGTH))
        elif otp:
            if len(otp) != OTP_LENGTH:
                raise VaultError(400, "OTP string is wrong length")
        else:
            raise VaultError(400, "pgp_key is not supported by this server; start the "
                                  "attempt without it to get an OTP")
        with self._lock:
            if self._attempt is not None:
                raise VaultError(400, "root generation already in progress")
            self._attempt = _Attempt(nonce=str(uuid.uuid4()), otp=otp)
        return self.status(otp if generated else "")

    def cancel(self) -> None:
        """``DELETE …/attempt``: drop the attempt and its progress."""
        with self._lock:
            self._attempt = None

    def update(self, key: str, nonce: str) -> dict[str, Any]:
        """``POST …/update``: one key share; at the threshold, the encoded token."""
        if not key:
            raise VaultError(400, "'key' must be specified in request body as JSON")
        share = decode_key(key)
        if share is None:
            raise VaultError(400, "'key' must be a valid hex or base64 string")
        if len(share) < MIN_SHARE_BYTES:
            raise VaultError(400, f"invalid key: key is shorter than minimum {MIN_SHARE_BYTES} "
                                  "bytes")
        if len(share) > MAX_SHARE_BYTES:
            raise VaultError(400, f"invalid key: key is longer than maximum {MAX_SHARE_BYTES} "
                                  "bytes")
        shares = self._key_shares()
        with self._lock:
            attempt = self._attempt
            if attempt is None:
                raise VaultError(400, "no root generation in progress")
            if nonce != attempt.nonce:
                raise VaultError(400, "incorrect nonce supplied; nonce for this root generation "
                                      f'operation is "{attempt.nonce}"')
            if any(secrets.compare_digest(share, given) for given in attempt.progress):
                raise VaultError(400, "given key has already been provided during this "
                                      "generation operation")
            attempt.progress.append(share)
            answer = {"nonce": nonce, "started": True, "progress": len(attempt.progress),
                      "required": shares.threshold, "complete": False, "encoded_token": "",
                      "encoded_root_token": "", "pgp_fingerprint": "", "otp": "",
                      "otp_length": 0}
            if len(attempt.progress) < shares.threshold:
                return answer
            given, attempt.progress = attempt.progress, []
            try:
                unlocked = shares.unlocks(given)
            except KeySharesError as exc:
                raise VaultError(400, f"failed to compute root key: {exc}") from None
            if not unlocked:
                raise VaultError(400, "root generation aborted: unable to authenticate: unable "
                                      "to retrieve stored keys: invalid key: failed to decrypt "
                                      "keys from storage: cipher: message authentication "
                                      "failed")
            token = self._new_token()
            self._tokens.add(_digest(token))
            self._attempt = None
        return answer | {"complete": True, "encoded_token": encode_token(token, attempt.otp)}
