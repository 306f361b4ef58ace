"""Masking: the one place that turns secrets into printable labels.

Every output (terminal, JUnit, JSON, HTML, curl lines) goes through ``Masker``; only output is
masked, never the data a check or judge judges.
"""

from __future__ import annotations

import json
import re
import threading

#: Labels that stand for each kind of token in every output: the environment variable a person
#: would export to replay a masked curl line.
SUDO_LABEL = "$VAULT_TOKEN"
NON_SUDO_LABEL = "$VAULT_NON_SUDO_TOKEN"
NO_UPDATE_LABEL = "$VAULT_NO_UPDATE_TOKEN"
#: A token made from the sudo token by a small change (it reveals the token, so it is masked).
NEAR_MISS_LABEL = "$VAULT_NEAR_MISS_TOKEN"


#: Characters that continue a token: a secret is masked only where it stands alone, so that the
#: token ``root`` never rewrites ``merkle_root`` (nor ``s.x`` the ``s.xyz`` of another text).
_TOKEN_CHAR = r"[A-Za-z0-9_\-]"
#: A server that echoes a truncated token (``hvs.CAESIJ...``) still leaks it: a run of at least
#: this many of a token's first characters is masked too.
MIN_PREFIX_ECHO = 8
#: A secret this long is random enough that it never occurs in legitimate text by chance: it is
#: masked wherever it occurs, also glued to other characters (``Bearerhvs.…``).
MIN_ANYWHERE = 16


def written_forms(secret: str) -> list[str]:
    """The secret as written, and as JSON writes it inside a string (escaped quotes,
    backslashes and control characters; ``\\uXXXX`` for non-ASCII; ``\\/`` for ``/``)."""
    forms = [secret]
    for ensure_ascii in (False, True):
        escaped = json.dumps(secret, ensure_ascii=ensure_ascii)[1:-1]
        forms.append(escaped)
        forms.append(escaped.replace("/", "\\/"))
    return list(dict.fromkeys(form for form in forms if form))


def _whole(secret: str) -> str:
    """A written form of a secret, whole, at token boundaries (anywhere when it is long)."""
    if len(secret) >= MIN_ANYWHERE:
        return re.escape(secret)
    return f"(?<!{_TOKEN_CHAR}){re.escape(secret)}(?!{_TOKEN_CHAR})"


def _prefix_start(secret: str) -> str | None:
    """Where an echoed prefix of ``MIN_PREFIX_ECHO``+ characters may start: the secret's first
    ``MIN_PREFIX_ECHO`` characters at a token boundary (the match is then extended as far as
    the text goes on agreeing with the secret); None for a secret too short to have one."""
    if len(secret) <= MIN_PREFIX_ECHO:
        return None
    return f"(?<!{_TOKEN_CHAR}){re.escape(secret[:MIN_PREFIX_ECHO])}"


def _agreeing(text: str, start: int, secret: str) -> int:
    """How many characters of ``text`` from ``start`` agree with ``secret``."""
    count = 0
    for char, expected in zip(text[start : start + len(secret)], secret, strict=False):
        if char != expected:
            break
        count += 1
    return count


class Masker:
    """Replaces every known secret by a label in any text that leaves the process.

    Labels name the environment variable a person would export to replay a curl line
    (``$VAULT_TOKEN``), so a masked curl line is still runnable. Only output is masked: checks
    and judges see the exact bytes the target sent. A secret is matched at token boundaries
    (``root`` leaves ``merkle_root`` alone), also JSON-escaped, and also as an echoed prefix of
    ``MIN_PREFIX_ECHO`` or more characters.
    """

    def __init__(self) -> None:
        #: Held while the secrets or the compiled matcher change (checks add secrets from
        #: several threads under ``--concurrency``).
        self._lock = threading.RLock()
        self._secrets: dict[str, str] = {}
        self._compiled: re.Pattern[str] | None = None
        #: Per group of ``_compiled``: the label, and for a prefix group the written form it
        #: is a prefix of.
        self._shapes: list[tuple[str, str | None]] = []

    @classmethod
    def for_tokens(cls, sudo: str | None, non_sudo: str | None = None) -> Masker:
        """A masker holding the run's sudo and non-sudo tokens under their labels."""
        masker = cls()
        masker.add(sudo, SUDO_LABEL)
        masker.add(non_sudo, NON_SUDO_LABEL)
        return masker

    def add(self, secret: str | None, label: str) -> None:
        # Adding what is already held changes nothing: keep the compiled matcher (checks add
        # the same secrets once per run of each).
        with self._lock:
            if secret and self._secrets.get(secret) != label:
                self._secrets[secret] = label
                self._compiled = None

    def secrets(self) -> tuple[str, ...]:
        """Every secret the run holds (tokens given or provisioned), longest first."""
        with self._lock:
            return tuple(sorted(self._secrets, key=len, reverse=True))

    def _matcher(self) -> tuple[re.Pattern[str] | None, list[tuple[str, str | None]]]:
        """The compiled matcher and its group shapes, taken together under the lock."""
        with self._lock:
            return self._compile(), self._shapes

    def _compile(self) -> re.Pattern[str] | None:
        if self._compiled is None and self._secrets:
            # Longest first, so a token that contains another is replaced whole; one group per
            # written form, so the match says which label to write. Every whole form comes
            # before any prefix: a prefix of one token must not win over another token written
            # whole.
            groups: list[str] = []
            shapes: list[tuple[str, str | None]] = []
            for secret in self.secrets():
                for form in written_forms(secret):
                    groups.append(f"({_whole(form)})")
                    shapes.append((self._secrets[secret], None))
            for secret in self.secrets():
                for form in written_forms(secret):
                    start = _prefix_start(form)
                    if start is not None:
                        groups.append(f"({start})")
                        shapes.append((self._secrets[secret], form))
            self._compiled = re.compile("|".join(groups))
            self._shapes = shapes
        return self._compiled

    def mask(self, text: str) -> str:
        matcher, shapes = self._matcher()
        if matcher is None or not text:
            return text
        out: list[str] = []
        position = 0
        while (match := matcher.search(text, position)) is not None:
            label, prefix_of = shapes[(match.lastindex or 1) - 1]
            end = match.end()
            if prefix_of is not None:
                end = match.start() + _agreeing(text, match.start(), prefix_of)
            out.append(text[position : match.start()])
            out.append(label)
            position = max(end, match.start() + 1)
        out.append(text[position:])
        return "".join(out)
