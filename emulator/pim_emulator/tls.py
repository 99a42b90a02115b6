"""Certificates: the emulator's own CA, its server certificate, and app client certificates.

Clients must verify TLS against the CA bundle the emulator writes (azure-identity refuses a
non-https authority, and nobody should learn to switch verification off), so every start makes a
fresh CA and a server certificate for the loopback names. App certificates (for the
certificate-credential flow) are long-lived and kept in tenant state so their thumbprints stay stable.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pim-emulator")])


@dataclass
class ServerTls:
    ca_path: str  # the bundle clients trust
    cert_path: str
    key_path: str

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_path, self.key_path)
        return ctx


def _write(path: str, data: bytes, mode: int = 0o600) -> None:
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def make_server_tls(directory: str) -> ServerTls:
    """A CA plus a server certificate for 127.0.0.1, ::1 and localhost, written into ``directory``."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = _key()
    ca_name = _name("pim-emulator local CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = _key()
    san = x509.SubjectAlternativeName([
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1")).issuer_name(ca_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=825))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    os.makedirs(directory, exist_ok=True)
    tls = ServerTls(os.path.abspath(os.path.join(directory, "ca.pem")),
                    os.path.abspath(os.path.join(directory, "server.pem")),
                    os.path.abspath(os.path.join(directory, "server-key.pem")))
    _write(tls.ca_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
    _write(tls.cert_path, chain)
    _write(tls.key_path, _pem_key(key))
    return tls


def make_client_certificate(cn: str, days: int = 730, key: rsa.RSAPrivateKey | None = None) -> tuple[str, str]:
    """A self-signed client certificate as Entra app registrations accept: (key PEM, cert PEM).

    ``key``: sign with this key instead of a new one (generated tenants share one: see seed.build_seed)."""
    now = dt.datetime.now(dt.timezone.utc)
    key = key or _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn)).issuer_name(_name(cn))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return _pem_key(key).decode(), cert.public_bytes(serialization.Encoding.PEM).decode()


def new_client_key() -> rsa.RSAPrivateKey:
    return _key()


def thumbprint(cert_pem: str) -> str:
    """SHA-1 thumbprint, upper-case hex, as the portal shows it and CertificateCredential computes it."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - the protocol's choice


def thumbprint_b64url(cert_pem: str, sha256: bool = False) -> str:
    """The ``x5t`` (SHA-1) or ``x5t#S256`` header value a client assertion carries."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    digest = cert.fingerprint(hashes.SHA256() if sha256 else hashes.SHA1())  # noqa: S303
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def public_key_pem(cert_pem: str) -> bytes:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return cert.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def new_signing_key_pem() -> str:
    return _pem_key(_key()).decode()


def write_file(path: str, data: str, mode: int = 0o600) -> None:
    _write(path, data.encode(), mode)
