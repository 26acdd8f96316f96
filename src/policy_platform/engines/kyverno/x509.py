"""``x509_decode``: a PEM certificate as an object shaped like Go's ``x509.Certificate`` JSON (main fields)."""

from __future__ import annotations

from typing import Any


def decode(pem: str) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise ValueError(f"x509_decode: {exc}") from None

    def name(n: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"CommonName": "", "Country": None, "Organization": None}
        for attr in n:
            if attr.oid._name == "commonName":
                out["CommonName"] = attr.value
        return out

    key = cert.public_key()
    pub: Any = None
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        pub = {"N": str(numbers.n), "E": numbers.e}
    return {
        "Version": cert.version.value + 1,
        "SerialNumber": cert.serial_number,
        "Issuer": name(cert.issuer),
        "Subject": name(cert.subject),
        "NotBefore": cert.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        "NotAfter": cert.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
        "PublicKey": pub,
        "SignatureAlgorithm": cert.signature_algorithm_oid._name,
    }
