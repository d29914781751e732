"""Routers with their own configuration, for the authentication and authorization tests.

The session-scoped ``router`` fixture in conftest.py runs one open realm; the auth tests need
realms with principals, roles and listener restrictions, so each test module starts its own
Junction process from a configuration built here (``start_router``) and stops it at the end.

Also here: the key material those configurations need, made fresh for every run with the
``cryptography`` package (no files are shipped):

- a CA, a server certificate for 127.0.0.1/localhost, client certificates (and a second, untrusted
  CA with its own client certificate) -- ``pki(directory)``;
- Ed25519 key pairs for WAMP-cryptosign -- ``ed25519_keypair()``;
- JWTs signed with HS256 (by hand, hmac), RS256, ES256 and EdDSA -- ``make_jwt``.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import REPO, ROUTER_KIND, STARTUP_TIMEOUT, _stop, _tcp_accepts, free_port

HOST = "127.0.0.1"

# The auth tests configure Junction directly; Crossbar's configuration is a different language.
only_junction = pytest.mark.skipif(
    ROUTER_KIND != "junction", reason="authentication tests use Junction's configuration format"
)

# Fast refusals and no lockout, unless a test is about exactly those.
FAST_LIMITS = {"auth_failure_delay_ms": 0, "max_auth_failures": 100000}


# --------------------------------------------------------------------------- router processes


@dataclass
class Listener:
    name: str
    kind: str  # "websocket" | "rawsocket"
    port: int
    tls: bool
    path: str = "/ws"

    @property
    def url(self) -> str:
        if self.kind == "websocket":
            return f"{'wss' if self.tls else 'ws'}://{HOST}:{self.port}{self.path}"
        return f"{'rss' if self.tls else 'rs'}://{HOST}:{self.port}"


@dataclass
class AuthRouter:
    workdir: Path
    config_path: Path
    log_path: Path
    listeners: dict
    process: subprocess.Popen = field(repr=False)
    host: str = HOST

    def listener(self, name: str) -> Listener:
        return self.listeners[name]

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, limit: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<router log unreadable: {exc}>"
        return text if len(text) <= limit else "...\n" + text[-limit:]

    def diagnose(self) -> str:
        """For failure messages: whether the router still runs, and its log's tail."""
        state = "running" if self.alive() else f"EXITED with code {self.process.returncode}"
        return f"router {state}; config {self.config_path}\n--- router log (tail) ---\n{self.log_tail()}"


def junction_binary() -> str:
    binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit(f"Junction binary not found or not executable: {binary} (set JUNCTION_BIN)", returncode=3)
    return binary


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        p = free_port(HOST)
        if p not in ports:
            ports.append(p)
    return ports


def build_config(realms: list, listeners: dict, limits: dict | None = None, event_loops: int = 2):
    """The YAML configuration (as a dict) and the Listener objects, with free ports filled in.

    ``listeners`` maps a name to the transport's keys without host/port, e.g.
    ``{"ws": {"type": "websocket"}, "rss": {"type": "rawsocket", "tls": {...}}}``."""
    ports = _free_ports(len(listeners))
    transports = []
    out = {}
    for (name, spec), port in zip(listeners.items(), ports):
        spec = dict(spec)
        t = {"type": spec.pop("type"), "host": HOST, "port": port}
        if t["type"] == "websocket":
            t["path"] = spec.pop("path", "/ws")
        t.update(spec)
        transports.append(t)
        out[name] = Listener(name, t["type"], port, "tls" in t, t.get("path", "/ws"))
    config = {"router": {"event_loops": event_loops, "log_level": "info"}, "realms": realms, "transports": transports}
    if limits:
        config["limits"] = dict(limits)
    return config, out


def start_router(workdir: Path, realms: list, listeners: dict, limits: dict | None = None, event_loops: int = 2) -> AuthRouter:
    config, named = build_config(realms, listeners, limits, event_loops)
    config_path = workdir / "junction.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    log_path = workdir / "router.log"
    binary = junction_binary()

    check = subprocess.run(
        [binary, "check", "--config", str(config_path)], capture_output=True, text=True, timeout=60, cwd=str(workdir)
    )
    if check.returncode != 0:
        raise AssertionError(
            f"`junction check` refused the test configuration {config_path}:\n{check.stdout}{check.stderr}"
        )

    log_file = open(log_path, "wb")
    proc = subprocess.Popen(
        [binary, "serve", "--config", str(config_path)],
        cwd=str(workdir),
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log_file.close()  # the child has its own descriptor
    r = AuthRouter(workdir, config_path, log_path, named, proc)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    pending = list(named.values())
    while pending:
        if proc.poll() is not None:
            raise AssertionError(f"router exited during startup with code {proc.returncode}\n{r.diagnose()}")
        pending = [l for l in pending if not _tcp_accepts(HOST, l.port)]
        if not pending:
            break
        if time.monotonic() > deadline:
            _stop(proc)
            raise AssertionError(
                f"router did not accept on {[l.name for l in pending]} within {STARTUP_TIMEOUT:.0f}s\n{r.diagnose()}"
            )
        time.sleep(0.05)
    return r


def router_fixture_body(request, realms, listeners, limits=None, prefix="junction-auth-"):
    """Generator for a module-scoped fixture: starts a router, yields it, stops it.

    Files (config, certificates, log) are kept when a test of the module failed or the router
    did not exit cleanly on SIGTERM."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    pki(workdir)
    resolved_realms = realms(workdir) if callable(realms) else realms
    resolved_listeners = listeners(workdir) if callable(listeners) else listeners
    failed_before = request.session.testsfailed
    r = start_router(workdir, resolved_realms, resolved_listeners, limits)
    try:
        yield r
    finally:
        crashed = not r.alive()
        how = _stop(r.process)
        if crashed or request.session.testsfailed > failed_before or r.process.returncode not in (0, -signal.SIGTERM):
            sys.stderr.write(f"\nauth router {how}; files kept in {workdir}\n")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        if crashed:
            pytest.fail(f"the auth router died during the tests\n{r.diagnose()}", pytrace=False)


# --------------------------------------------------------------------------- TLS material


@dataclass(frozen=True)
class PKI:
    ca: Path  # CA certificate (PEM) the router's certificate and the client certificates chain to
    server_cert: Path
    server_key: Path
    client_cert: Path  # CN=client-one, signed by the CA
    client_key: Path
    other_client_cert: Path  # CN=client-two, signed by the CA, no principal for it
    other_client_key: Path
    rogue_client_cert: Path  # CN=client-one, signed by an unrelated CA
    rogue_client_key: Path
    fp_client_cert: Path  # CN=fp-client, signed by the CA; its principal matches by fingerprint
    fp_client_key: Path
    client_fingerprint: str  # SHA-256 of client-one's DER certificate, lower-case hex
    fp_client_fingerprint: str  # the same for fp-client


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@functools.lru_cache(maxsize=None)
def _pki_objects():
    """Keys and certificates, made once per test run."""
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)

    def builder(key, cn, issuer, is_ca: bool):
        """What CA and leaf certificates share: names, validity, basic constraints, key usage."""
        return (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, key_cert_sign=is_ca, crl_sign=is_ca, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
        )

    def ca(cn):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            builder(key, cn, _name(cn), is_ca=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    def leaf(ca_key, ca_cert, cn, server: bool):
        key = ec.generate_private_key(ec.SECP256R1())
        b = (
            builder(key, cn, ca_cert.subject, is_ca=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
        )
        if server:
            b = b.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            )
        return key, b.sign(ca_key, hashes.SHA256())

    ca_key, ca_cert = ca("Junction Interop Test CA")
    rogue_ca_key, rogue_ca_cert = ca("Some Other CA")
    return {
        "ca": (ca_key, ca_cert),
        "server": leaf(ca_key, ca_cert, "localhost", server=True),
        "client": leaf(ca_key, ca_cert, "client-one", server=False),
        "other_client": leaf(ca_key, ca_cert, "client-two", server=False),
        "fp_client": leaf(ca_key, ca_cert, "fp-client", server=False),
        "rogue_client": leaf(rogue_ca_key, rogue_ca_cert, "client-one", server=False),
    }


def pki(directory: Path) -> PKI:
    """Writes the CA, server and client certificates and keys into ``directory``."""
    objs = _pki_objects()
    paths = {}
    for name in ("server", "client", "other_client", "rogue_client", "fp_client"):
        key, cert = objs[name]
        _write_key(directory / f"{name}.key", key)
        _write_cert(directory / f"{name}.pem", cert)
        paths[name] = (directory / f"{name}.pem", directory / f"{name}.key")
    _write_cert(directory / "ca.pem", objs["ca"][1])

    def fingerprint(name):
        return hashlib.sha256(objs[name][1].public_bytes(serialization.Encoding.DER)).hexdigest()

    return PKI(
        ca=directory / "ca.pem",
        server_cert=paths["server"][0],
        server_key=paths["server"][1],
        client_cert=paths["client"][0],
        client_key=paths["client"][1],
        other_client_cert=paths["other_client"][0],
        other_client_key=paths["other_client"][1],
        rogue_client_cert=paths["rogue_client"][0],
        rogue_client_key=paths["rogue_client"][1],
        fp_client_cert=paths["fp_client"][0],
        fp_client_key=paths["fp_client"][1],
        client_fingerprint=fingerprint("client"),
        fp_client_fingerprint=fingerprint("fp_client"),
    )


def tls_listener_settings(directory: Path, client_certificate: str = "none") -> dict:
    p = pki(directory)
    return {
        "certificate": str(p.server_cert),
        "key": str(p.server_key),
        "ca_certificates": str(p.ca),
        "client_certificate": client_certificate,
    }


def client_ssl_context(directory: Path, client_cert: str | None = None):
    """An SSLContext trusting the test CA; ``client_cert``: "client", "other_client",
    "rogue_client" or "fp_client"."""
    p = pki(directory)
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(p.ca))
    if client_cert is not None:
        ctx.load_cert_chain(str(directory / f"{client_cert}.pem"), str(directory / f"{client_cert}.key"))
    return ctx


# --------------------------------------------------------------------------- cryptosign keys


def ed25519_keypair(seed: bytes | None = None) -> tuple[str, str]:
    """(private key seed hex, public key hex) of an Ed25519 key pair."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed) if seed else ed25519.Ed25519PrivateKey.generate()
    priv = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return priv.hex(), pub.hex()


# --------------------------------------------------------------------------- JWTs


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class JWTKeys:
    hs256_secret: str
    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    ed: ed25519.Ed25519PrivateKey
    # keys the router does not know, for "wrongly signed" tokens
    other_rsa: rsa.RSAPrivateKey
    other_ed: ed25519.Ed25519PrivateKey

    def public_pem(self, which: str) -> str:
        key = {"rsa": self.rsa, "ec": self.ec}[which]
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def ed_public_hex(self) -> str:
        return self.ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()

    def router_keys(self) -> list:
        """The `jwt.keys` section trusting HS256, RS256, ES256 and EdDSA."""
        return [
            {"algorithm": "HS256", "secret": self.hs256_secret},
            {"algorithm": "RS256", "public_key": self.public_pem("rsa")},
            {"algorithm": "ES256", "public_key": self.public_pem("ec")},
            {"algorithm": "EdDSA", "public_key": self.ed_public_hex()},
        ]


@functools.lru_cache(maxsize=None)
def jwt_keys() -> JWTKeys:
    return JWTKeys(
        hs256_secret="interop-hs256-secret-" + os.urandom(16).hex(),
        rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec=ec.generate_private_key(ec.SECP256R1()),
        ed=ed25519.Ed25519PrivateKey.generate(),
        other_rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        other_ed=ed25519.Ed25519PrivateKey.generate(),
    )


def make_jwt(alg: str, claims: dict, key=None, header: dict | None = None) -> str:
    """A compact JWS. ``key``: the HS secret (str/bytes) or a cryptography private key; default:
    the key of ``jwt_keys()`` for ``alg``."""
    keys = jwt_keys()
    if key is None:
        key = {"HS256": keys.hs256_secret, "RS256": keys.rsa, "ES256": keys.ec, "EdDSA": keys.ed}[alg]
    head = {"alg": alg, "typ": "JWT"}
    head.update(header or {})
    signing_input = (
        b64url(json.dumps(head, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    ).encode("ascii")
    if alg == "HS256":
        secret = key.encode() if isinstance(key, str) else key
        sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
    elif alg == "RS256":
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "EdDSA":
        sig = key.sign(signing_input)
    else:
        raise ValueError(alg)
    return signing_input.decode("ascii") + "." + b64url(sig)


def jwt_claims(sub: str = "jwt-user", role: str | None = "jwtrole", aud="junction", exp_in: int | None = 300, **extra) -> dict:
    now = int(time.time())
    claims = {"sub": sub, "iat": now}
    if aud is not None:
        claims["aud"] = aud
    if role is not None:
        claims["role"] = role
    if exp_in is not None:
        claims["exp"] = now + exp_in
    claims.update(extra)
    return claims
