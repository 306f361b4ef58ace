"""Certificates for the TLS tests, made with the ``openssl`` command (no network).

``make_pki(folder)`` writes a CA, a server certificate for 127.0.0.1 and localhost, one for the
name ``vault.test`` only (served on 127.0.0.1, reached with the server name setting), a client
certificate of the CA, a client certificate of another CA (the wrong one), and a hashed CA
folder (``<subject hash>.0``, as ``openssl rehash`` names it).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL = shutil.which("openssl")


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    named_cert: Path
    named_key: Path
    client_cert: Path
    client_key: Path
    wrong_client_cert: Path
    wrong_client_key: Path
    ca_folder: Path


def _openssl(*args: str, cwd: Path) -> str:
    assert OPENSSL is not None, "the TLS tests make their certificates with the openssl command"
    done = subprocess.run(
        [OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")


def _ca(folder: Path, name: str) -> None:
    _openssl(
        "req", "-x509", *_KEY, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
        "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder,
    )


def _leaf(folder: Path, ca: str, name: str, extensions: str) -> None:
    (folder / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\n"
        f"authorityKeyIdentifier=keyid\n{extensions}\n"
    )
    _openssl(
        "req", "-new", *_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr",
        "-subj", f"/CN={name}", cwd=folder,
    )
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext",
        cwd=folder,
    )


def make_pki(folder: Path) -> Pki:
    _ca(folder, "ca")
    _ca(folder, "other-ca")
    server = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"
    _leaf(folder, "ca", "server", server)
    _leaf(folder, "ca", "named", "subjectAltName=DNS:vault.test\nextendedKeyUsage=serverAuth")
    _leaf(folder, "ca", "client", "extendedKeyUsage=clientAuth")
    _leaf(folder, "other-ca", "wrong-client", "extendedKeyUsage=clientAuth")
    ca_folder = folder / "cas"
    ca_folder.mkdir()
    subject_hash = _openssl("x509", "-noout", "-subject_hash", "-in", "ca.pem", cwd=folder)
    shutil.copy(folder / "ca.pem", ca_folder / f"{subject_hash.strip()}.0")
    return Pki(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        named_cert=folder / "named.pem",
        named_key=folder / "named.key",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
        wrong_client_cert=folder / "wrong-client.pem",
        wrong_client_key=folder / "wrong-client.key",
        ca_folder=ca_folder,
    )
