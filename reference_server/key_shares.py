"""A cluster's unseal key shares, as ``vault operator init`` and ``vault server -dev`` make them.

Vault splits a random 32-byte root key with Shamir's scheme over GF(2^8) (the AES field): a
share is the polynomial's value for each byte of the key followed by one byte, the share's x
coordinate. With one share and a threshold of one (what ``vault server -dev`` does), there is
no split: the single unseal key is the key itself, 32 bytes. Keys travel as standard base64
(Vault's ``keys_base64``; the dev banner's ``Unseal Key:``).

The shares are secrets: nothing here logs or prints them, and their ``repr`` hides them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["KEY_BYTES", "KeyShares", "KeySharesError", "combine", "decode_key", "split"]

#: Length of the root key (Vault's AES-256 barrier key).
KEY_BYTES = 32
#: Bytes a key share may have, as Vault's generate-root checks them (the barrier's 16..32 key
#: lengths, plus Shamir's one byte of overhead).
MIN_SHARE_BYTES = 16
MAX_SHARE_BYTES = KEY_BYTES + 1


class KeySharesError(ValueError):
    """Shares that cannot be combined; the message is Vault's ``shamir`` text."""


def _mul(a: int, b: int) -> int:
    """Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return product


def _inverses() -> list[int]:
    """Multiplicative inverses in GF(2^8), from the powers of the generator 3 (255 products
    at import, not a power per element)."""
    exp = [1] * 255
    for i in range(1, 255):
        exp[i] = _mul(exp[i - 1], 3)
    log = [0] * 256
    for i, value in enumerate(exp):
        log[value] = i
    return [0] + [exp[(255 - log[a]) % 255] for a in range(1, 256)]


_INVERSE = _inverses()


def split(secret: bytes, parts: int, threshold: int) -> list[bytes]:
    """Shamir shares of ``secret``: ``parts`` shares, any ``threshold`` of them recover it."""
    if not 2 <= threshold <= parts <= 255:
        raise KeySharesError("parts and threshold must satisfy 2 <= threshold <= parts <= 255")
    xs = secrets.SystemRandom().sample(range(1, 256), parts)
    shares = [bytearray() for _ in range(parts)]
    for byte in secret:
        coefficients = [byte, *(secrets.randbelow(256) for _ in range(threshold - 1))]
        for share, x in zip(shares, xs, strict=True):
            value = 0
            for coefficient in reversed(coefficients):  # Horner's rule
                value = _mul(value, x) ^ coefficient
            share.append(value)
    return [bytes(share) + bytes([x]) for share, x in zip(shares, xs, strict=True)]


def combine(parts: Sequence[bytes]) -> bytes:
    """The secret the shares interpolate to at x = 0 (Vault's ``shamir.Combine``)."""
    if len(parts) < 2:
        raise KeySharesError("less than two parts cannot be used to reconstruct the secret")
    length = len(parts[0])
    if length < 2:
        raise KeySharesError("parts must be at least two bytes")
    if any(len(part) != length for part in parts):
        raise KeySharesError("all parts must be the same length")
    xs = [part[-1] for part in parts]
    if len(set(xs)) != len(xs):
        raise KeySharesError("duplicate part detected")
    weights = []
    for i, xi in enumerate(xs):
        weight = 1
        for j, xj in enumerate(xs):
            if i != j:  # the Lagrange basis polynomial at 0: prod xj / (xj - xi); - is XOR
                weight = _mul(weight, _mul(xj, _INVERSE[xj ^ xi]))
        weights.append(weight)
    secret = bytearray(length - 1)
    for part, weight in zip(parts, weights, strict=True):
        for index in range(length - 1):
            secret[index] ^= _mul(part[index], weight)
    return bytes(secret)


def decode_key(text: str) -> bytes | None:
    """A key share as Vault's generate-root reads it: hex when that gives a key of an
    acceptable length, else standard base64; ``None`` when it is neither."""
    try:
        raw = bytes.fromhex(text)
        if MIN_SHARE_BYTES <= len(raw) <= MAX_SHARE_BYTES:
            return raw
    except ValueError:
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class KeyShares:
    """The root key, its shares and how many of them unlock it."""

    root_key: bytes = field(repr=False)
    shares: tuple[bytes, ...] = field(repr=False)
    threshold: int

    @classmethod
    def generate(cls, parts: int = 1, threshold: int = 1) -> KeyShares:
        """Fresh shares of a random root key; one part means the key itself."""
        root_key = secrets.token_bytes(KEY_BYTES)
        if parts == 1:
            return cls(root_key, (root_key,), 1)
        return cls(root_key, tuple(split(root_key, parts, threshold)), threshold)

    @classmethod
    def adopt(cls, encoded: Sequence[str]) -> KeyShares:
        """Another cluster's shares (base64), as a DR secondary takes its primary's.

        The threshold is not written in the shares; it is the smallest number of them that
        interpolates to the same key as all of them (fewer give unrelated bytes; a chance
        match is 2^-256).
        """
        shares = []
        for text in encoded:
            raw = decode_key(text) if isinstance(text, str) else None
            if raw is None:
                raise KeySharesError("key shares must be base64 or hex strings")
            shares.append(raw)
        if not shares:
            raise KeySharesError("at least one key share is needed")
        if len(shares) == 1:
            return cls(shares[0], (shares[0],), 1)
        root_key = combine(shares)
        threshold = next(t for t in range(2, len(shares) + 1)
                         if combine(shares[:t]) == root_key)
        return cls(root_key, tuple(shares), threshold)

    @property
    def encoded(self) -> tuple[str, ...]:
        return tuple(base64.b64encode(share).decode("ascii") for share in self.shares)

    def unlocks(self, given: Sequence[bytes]) -> bool:
        """Whether ``given`` (``threshold`` shares) recover this root key."""
        if self.threshold == 1:
            return len(given) == 1 and secrets.compare_digest(given[0], self.root_key)
        return secrets.compare_digest(combine(given), self.root_key)
