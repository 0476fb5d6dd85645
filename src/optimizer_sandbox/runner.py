"""Run an ASGI app with uvicorn on a loopback port in a background thread, over plain HTTP or
over TLS with a self-signed certificate made for the run (`self_signed_tls`)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TlsFiles:
    certfile: Path  # also the CA a client trusts: the certificate is its own issuer
    keyfile: Path


def self_signed_tls(directory: Path, host: str = "127.0.0.1") -> TlsFiles:
    """A certificate for `host` (an IP address), signed by its own key, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / "sandbox-cert.pem", directory / "sandbox-key.pem")
    files.certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


class LoopbackServer:
    """`with LoopbackServer(app) as server: httpx.get(server.url + "/path")`."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False, tls: TlsFiles | None = None
    ) -> None:
        self.app = app
        self.host = host
        self.tls = tls
        self.access_log = access_log
        self.port = port or _free_port(host)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> LoopbackServer:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="info" if self.access_log else "warning",
            lifespan="on",
            access_log=self.access_log,
            ssl_certfile=str(self.tls.certfile) if self.tls else None,
            ssl_keyfile=str(self.tls.keyfile) if self.tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"loopback:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        assert self._server is not None
        asyncio.run(self._server.serve())

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
