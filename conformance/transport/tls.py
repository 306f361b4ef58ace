"""The TLS side of a run, set up as Vault's own client sets it up.

Vault's API client (``api.Config.ConfigureTLS`` with ``rootcerts``) reads five settings:

- ``VAULT_CACERT``: a PEM file of CAs to trust; when given, ``VAULT_CAPATH`` is not read;
- ``VAULT_CAPATH``: a folder of PEM CA files, every file read whatever its name (plain
  ``ca.pem`` names, or the ``<subject hash>.0`` names ``openssl rehash`` makes);
- neither: the system's roots (here certifi's bundle, what Python ships with no system store);
- ``VAULT_CLIENT_CERT`` / ``VAULT_CLIENT_KEY``: the certificate and key the client presents
  (mutual TLS), both or neither;
- ``VAULT_TLS_SERVER_NAME``: the name sent as SNI and checked against the server's
  certificate instead of the URL's host;
- ``VAULT_SKIP_VERIFY``: no verification at all (a client certificate is still presented).

``client_context`` builds one ``ssl.SSLContext`` from them; the run's client
(``replcheck.conformance.transport.bounded_http``) and the plugin's fixtures (httpx) share it, so
they trust, present and check the same things. The server name is not part of a context: it travels
with each request (httpcore's ``sni_hostname`` extension; ``server_name_hook`` for httpx).
"""

from __future__ import annotations

import os
import re
import ssl
from typing import TYPE_CHECKING, Any

import certifi

from replcheck.conformance.settings.target import option_named
from replcheck.conformance.settings.values import SettingError

if TYPE_CHECKING:
    import httpx

    from replcheck.conformance.settings.target import Settings


def _names(name: str) -> str:
    """How a person sets the option ``name``: its flag (``replcheck run``), its pytest flag
    and its environment variable."""
    option = option_named(name)
    ways = [option.flag, option.pytest_flag] + ([option.env] if option.env else [])
    return " / ".join(ways)


def client_context(settings: Settings) -> ssl.SSLContext:
    """The context every request of the run (and of the plugin's fixtures) uses.

    Raises ``SettingError`` with one sentence naming the setting when a file or folder cannot
    be used.
    """
    if settings.tls_skip_verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif settings.ca_cert:
        context = _trusting(settings.ca_cert, None, "ca_cert")
    elif settings.ca_path:
        context = _trusting(None, settings.ca_path, "ca_path")
    else:
        context = ssl.create_default_context(cafile=certifi.where())
    if settings.client_cert and settings.client_key:
        try:
            context.load_cert_chain(settings.client_cert, settings.client_key)
        except (OSError, ssl.SSLError) as exc:
            raise SettingError(
                f"cannot load the client certificate {settings.client_cert} with the key "
                f"{settings.client_key} ({_names('client_cert')}, {_names('client_key')}): "
                f"{_reason(exc)}"
            ) from None
    return context


def _trusting(cafile: str | None, capath: str | None, name: str) -> ssl.SSLContext:
    if cafile is not None and not os.path.isfile(cafile):
        what = "is not a file" if os.path.exists(cafile) else "does not exist"
        raise SettingError(f"the CA certificate file {cafile} ({_names(name)}) {what}")
    if capath is not None and not os.path.isdir(capath):
        raise SettingError(f"the CA folder {capath} ({_names(name)}) is not a folder")
    try:
        if capath is None:
            return ssl.create_default_context(cafile=cafile)
        context = ssl.create_default_context(cadata=folder_certificates(capath, name))
    except (OSError, ssl.SSLError) as exc:
        raise SettingError(
            f"cannot read CA certificates from {cafile or capath} ({_names(name)}): "
            f"{_reason(exc)}"
        ) from None
    return context


def folder_certificates(folder: str, name: str = "ca_path") -> str:
    """Every certificate of every file under ``folder``, as Vault reads ``VAULT_CAPATH``
    (``rootcerts.LoadCAPath`` walks the folder and fails on a file without a PEM
    certificate). OpenSSL's own ``capath`` would only look up hashed names (``<hash>.0``), so
    a folder of plain ``ca.pem`` files would trust nothing; reading every file accepts both."""
    certificates: list[str] = []
    for root, _, files in sorted(os.walk(folder)):
        for entry in sorted(files):
            path = os.path.join(root, entry)
            with open(path, encoding="ascii", errors="replace") as handle:
                text = handle.read()
            found = _PEM_CERTIFICATE.findall(text)
            if not found:
                raise SettingError(
                    f"the CA folder {folder} ({_names(name)}) holds {path}, which is not a PEM "
                    "certificate"
                )
            certificates.extend(found)
    if not certificates:
        raise SettingError(f"the CA folder {folder} ({_names(name)}) holds no certificate")
    return "\n".join(certificates)


_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----"
)


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc)


def server_name_hook(name: str) -> Any:
    """An httpx request hook sending ``name`` as SNI and checking the certificate for it."""

    def hook(request: httpx.Request) -> None:
        request.extensions["sni_hostname"] = name

    return hook
