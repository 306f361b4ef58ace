"""Masking: the one place that turns secrets into printable labels.

Every output (terminal, JUnit, JSON, HTML, curl lines) goes through ``Masker``; only output is
masked, never the data a check or judge judges.

A target chooses how it echoes a token, so the masker looks for every form a text can carry it
in (``replcheck.conformance.transport.secret_forms``): as written, escaped (JSON ``\\uXXXX`` and
short escapes, percent-encoding, HTML character references; mixed with plain characters, once or
twice over), and base64 of any text the token is part of. A run of ``MIN_ECHO`` or more consecutive
characters of a secret (or of its base64) is masked wherever it stands: a truncated or partial echo
still reveals the token. A secret shorter than that (``root``) is masked whole, where it stands
alone, so that it never rewrites ``merkle_root``.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from replcheck.conformance.transport.secret_forms import View, base64_cores, decoded_views

#: Labels that stand for each kind of token in every output: the environment variable a person
#: would export to replay a masked curl line.
SUDO_LABEL = "$VAULT_TOKEN"
NON_SUDO_LABEL = "$VAULT_NON_SUDO_TOKEN"
NO_UPDATE_LABEL = "$VAULT_NO_UPDATE_TOKEN"
#: A token made from the sudo token by a small change (it reveals the token, so it is masked).
NEAR_MISS_LABEL = "$VAULT_NEAR_MISS_TOKEN"


#: Characters that continue a token: a short secret is masked only where it stands alone, so
#: that the token ``root`` never rewrites ``merkle_root`` (nor ``s.x`` the ``s.xyz`` of another
#: text).
_TOKEN_CHAR = r"[A-Za-z0-9_\-]"
#: This many consecutive characters of a secret (or of its base64) are masked wherever they
#: occur, glued to other characters or not: fewer say little (every ``hvs`` token starts with
#: ``hvs.CAES``), and a run this long of a random token never occurs by chance.
MIN_ECHO = 8
#: Per run of ``MIN_ECHO`` characters, the places in the secrets it is tried from when the
#: match is extended (a secret of one repeated letter has thousands).
_PLACES_PER_RUN = 8


@dataclass(frozen=True)
class _Place:
    """Where a run of ``MIN_ECHO`` characters occurs in a form of a secret."""

    form: str
    offset: int
    label: str
    #: The form is the secret as written (not its base64): a match of all of it wins a tie
    #: with a longer secret it is part of.
    plain: bool


@dataclass(frozen=True)
class _Matcher:
    """The compiled search for every secret a masker holds."""

    #: Short secrets, whole, at token boundaries; one group per secret.
    short: re.Pattern[str] | None
    short_labels: tuple[str, ...]
    #: Any run of ``MIN_ECHO`` characters of a long secret or of its base64 (a trie of them,
    #: so that the search costs little however many secrets there are).
    runs: re.Pattern[str] | None
    places: dict[str, list[_Place]]


_Trie = dict[str, "_Trie"]


def _trie_pattern(words: set[str]) -> str:
    """A regular expression matching any of ``words`` (all of one length), as a trie: each
    position tries only the branches that agree so far."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})

    def render(node: _Trie) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items())]
        if len(branches) <= 1:
            return "".join(branches)
        return "(?:" + "|".join(branches) + ")"

    return render(trie)


def _agreeing(text: str, start: int, form: str, offset: int) -> int:
    """How many characters of ``text`` from ``start`` agree with ``form`` from ``offset``
    (compared slice by slice: an echoed secret can be 64 KiB of one letter)."""
    agreed, most = 0, min(len(text) - start, len(form) - offset)
    while agreed < most:
        step = most - agreed
        while step > 1 and (
            text[start + agreed : start + agreed + step]
            != form[offset + agreed : offset + agreed + step]
        ):
            step //= 2
        if text[start + agreed] != form[offset + agreed]:
            break
        agreed += step
    return agreed


@functools.lru_cache(maxsize=256)
def _runs_of(secret: str) -> dict[str, tuple[tuple[str, int, bool], ...]]:
    """Every run of ``MIN_ECHO`` characters of the secret and of its base64 cores, with up to
    ``_PLACES_PER_RUN`` places each (form, offset, whether the form is the secret as written).
    Kept per secret: a run adds its secrets one by one, and the matcher is rebuilt each time."""
    runs: dict[str, list[tuple[str, int, bool]]] = {}
    for form in (secret, *base64_cores(secret)):
        for offset in range(len(form) - MIN_ECHO + 1):
            found = runs.setdefault(form[offset : offset + MIN_ECHO], [])
            if len(found) < _PLACES_PER_RUN:
                found.append((form, offset, form == secret))
    return {run: tuple(places) for run, places in runs.items()}


class Masker:
    """Replaces every known secret by a label in any text that leaves the process.

    Labels name the environment variable a person would export to replay a curl line
    (``$VAULT_TOKEN``), so a masked curl line is still runnable. Only output is masked: checks
    and judges see the exact bytes the target sent. Each match is replaced whole, escape
    sequences included, by the label of the secret it agrees with longest (a secret matched
    whole wins a tie).
    """

    def __init__(self) -> None:
        #: Held while the secrets or the compiled matcher change (checks add secrets from
        #: several threads under ``--concurrency``).
        self._lock = threading.RLock()
        self._secrets: dict[str, str] = {}
        self._compiled: _Matcher | None = None

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

    def _matcher(self) -> _Matcher | None:
        with self._lock:
            if self._compiled is None and self._secrets:
                self._compiled = self._compile()
            return self._compiled

    def _compile(self) -> _Matcher:
        short: list[str] = []
        short_labels: list[str] = []
        places: dict[str, list[_Place]] = {}
        for secret in self.secrets():
            label = self._secrets[secret]
            if len(secret) < MIN_ECHO:
                short.append(f"(?<!{_TOKEN_CHAR})({re.escape(secret)})(?!{_TOKEN_CHAR})")
                short_labels.append(label)
                continue
            for run, where in _runs_of(secret).items():
                found = places.setdefault(run, [])
                for form, offset, plain in where[: _PLACES_PER_RUN - len(found)]:
                    found.append(_Place(form, offset, label, plain))
        return _Matcher(
            short=re.compile("|".join(short)) if short else None,
            short_labels=tuple(short_labels),
            runs=re.compile(_trie_pattern(set(places))) if places else None,
            places=places,
        )

    def mask(self, text: str) -> str:
        matcher = self._matcher()
        if matcher is None or not text:
            return text
        spans = _found(matcher, text, None)
        for view in decoded_views(text):
            spans += _found(matcher, view.text, view)
        if not spans:
            return text
        out: list[str] = []
        position = 0
        for start, end, label in _merged(spans):
            out.append(text[position:start])
            out.append(label)
            position = end
        out.append(text[position:])
        return "".join(out)


def _found(matcher: _Matcher, text: str, view: View | None) -> list[tuple[int, int, str]]:
    """Every secret found in ``text`` (a view of the original, or the original itself), as
    spans of the original text with the label each is masked by."""
    spans: list[tuple[int, int, str]] = []
    if matcher.short is not None:
        for whole in matcher.short.finditer(text):
            label = matcher.short_labels[(whole.lastindex or 1) - 1]
            spans.append((whole.start(), whole.end(), label))
    if matcher.runs is not None:
        position = 0
        while (match := matcher.runs.search(text, position)) is not None:
            start = match.start()
            best = max(
                matcher.places[match.group()],
                key=lambda place: _rank(text, start, place),
            )
            end = start + _agreeing(text, start, best.form, best.offset)
            spans.append((start, end, best.label))
            position = end
    if view is None:
        return spans
    return [(*view.original_span(start, end), label) for start, end, label in spans]


def _rank(text: str, start: int, place: _Place) -> tuple[int, bool]:
    agreed = _agreeing(text, start, place.form, place.offset)
    return agreed, place.plain and place.offset == 0 and agreed == len(place.form)


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans joined (the first one's label), in order."""
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and start < merged[-1][1]:
            first_start, first_end, first_label = merged[-1]
            merged[-1] = (first_start, max(first_end, end), first_label)
        else:
            merged.append((start, end, label))
    return merged
def url_shown(url: str) -> str:
    """A target URL as reports show it: a password in its user part (``https://u:p@vault``)
    reads ``***``, and the query, which no Vault address needs, is left out."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
