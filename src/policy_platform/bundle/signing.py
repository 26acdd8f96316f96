"""ECDSA P-256 signatures stored as OCI referrers of the signed manifest.

* ``keygen``: a PKCS#8 PEM private key (mode 0600) and a SubjectPublicKeyInfo PEM public key.
* ``sign``: the payload is canonical JSON naming the manifest digest; the signature (DER, base64, SHA-256) is an
  annotation on the payload layer of a manifest with ``artifactType``
  ``application/vnd.policy-platform.signature.v1+json``,
  the empty config and ``subject`` = the signed manifest. Registries without the referrers API (distribution 2.8) get
  the ``sha256-<hex>`` tag-schema index updated as well.
* ``verify``: at least one referrer whose payload names exactly this digest and whose signature verifies with the key;
  otherwise :class:`IntegrityError`. Because the bundle config lists every file's sha256, the signature covers all
  files.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from policy_platform._internal.fs import atomic_write_bytes
from policy_platform.errors import InputFileError, IntegrityError, UsageError
from policy_platform.oci import media
from policy_platform.oci.client import RegistryClient, RegistryOptions, sha256_digest
from policy_platform.oci.ref import Reference

KEY_ID_ANNOTATION = "io.policy-platform.key-id"
PAYLOAD_TYPE = "policy-platform signature v1"


@dataclass(frozen=True, slots=True)
class SignResult:
    subject: str
    signature_digest: str
    fallback_tag: str  # "" when the registry indexed the referrer itself


def generate_keypair(private_path: Path, public_path: Path, *, force: bool = False) -> str:
    """Write a new P-256 key pair; return the key id (sha256 of the public key DER)."""
    for p in (private_path, public_path):
        if p.exists() and not force:
            raise UsageError(f"{p} already exists (use --force to overwrite)")
    key = ec.generate_private_key(ec.SECP256R1())
    fmt = serialization.PrivateFormat.PKCS8
    priv = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    atomic_write_bytes(private_path, priv, mode=0o600)
    atomic_write_bytes(public_path, pub)
    return key_id(key.public_key())


def key_id(public: ec.EllipticCurvePublicKey) -> str:
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise InputFileError(f"cannot read key: {exc.strerror}", file=str(path)) from exc
    except (ValueError, TypeError) as exc:
        raise InputFileError(f"not an unencrypted PEM private key: {exc}", file=str(path)) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise InputFileError("not an ECDSA P-256 private key", file=str(path))
    return key


def load_public_key(path: Path) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise InputFileError(f"cannot read key: {exc.strerror}", file=str(path)) from exc
    except ValueError as exc:
        raise InputFileError(f"not a PEM public key: {exc}", file=str(path)) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise InputFileError("not an ECDSA P-256 public key", file=str(path))
    return key


def payload_for(ref: Reference, digest: str) -> bytes:
    body = {"critical": {"identity": {"docker-reference": ref.name}, "image": {"docker-manifest-digest": digest},
                         "type": PAYLOAD_TYPE}}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def sign_reference(ref: Reference, key_path: Path, *, options: RegistryOptions | None = None) -> SignResult:
    key = load_private_key(key_path)
    with RegistryClient(ref.registry, options) as client:
        subject = client.get_manifest(ref.repository, ref.reference)
        payload = payload_for(ref, subject.digest)
        signature = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode("ascii")
        client.push_blob(ref.repository, media.EMPTY_JSON)
        client.push_blob(ref.repository, payload)
        manifest: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": media.OCI_MANIFEST,
            "artifactType": media.SIGNATURE_ARTIFACT,
            "config": {"mediaType": media.EMPTY_CONFIG, "digest": sha256_digest(media.EMPTY_JSON), "size": 2},
            "layers": [
                {
                    "mediaType": media.SIGNATURE_PAYLOAD,
                    "digest": sha256_digest(payload),
                    "size": len(payload),
                    "annotations": {media.SIGNATURE_ANNOTATION: signature, KEY_ID_ANNOTATION: key_id(key.public_key())},
                }
            ],
            "subject": {"mediaType": subject.media_type, "digest": subject.digest, "size": len(subject.raw)},
        }
        raw = json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()
        digest, indexed = client.put_manifest(ref.repository, sha256_digest(raw), raw, media.OCI_MANIFEST)
        tag = ""
        if not indexed:
            descriptor = {
                "mediaType": media.OCI_MANIFEST,
                "digest": digest,
                "size": len(raw),
                "artifactType": media.SIGNATURE_ARTIFACT,
                "annotations": {KEY_ID_ANNOTATION: key_id(key.public_key())},
            }
            client.add_referrer_fallback(ref.repository, subject.digest, descriptor)
            tag = client.fallback_tag(subject.digest)
    return SignResult(subject=subject.digest, signature_digest=digest, fallback_tag=tag)


def verify_reference(
    ref: Reference, public_key: Path, *, options: RegistryOptions | None = None, what: str = ""
) -> str:
    """Return the digest of the verified manifest; raise :class:`IntegrityError` when no valid signature exists."""
    key = load_public_key(public_key)
    label = what or str(ref)
    with RegistryClient(ref.registry, options) as client:
        subject = client.get_manifest(ref.repository, ref.reference)
        referrers = client.referrers(ref.repository, subject.digest, media.SIGNATURE_ARTIFACT)
        if not referrers:
            raise IntegrityError(f"{label}: {ref.name}@{subject.digest} is not signed (no signature referrers)")
        problems: list[str] = []
        for desc in referrers:
            sig_manifest = client.get_manifest(ref.repository, str(desc["digest"]))
            for layer in sig_manifest.data.get("layers") or []:
                if layer.get("mediaType") != media.SIGNATURE_PAYLOAD:
                    continue
                sig_b64 = (layer.get("annotations") or {}).get(media.SIGNATURE_ANNOTATION, "")
                payload = client.get_blob(ref.repository, str(layer["digest"]))
                try:
                    body = json.loads(payload)
                    signed = body["critical"]["image"]["docker-manifest-digest"]
                except (ValueError, KeyError, TypeError):
                    problems.append("malformed payload")
                    continue
                if signed != subject.digest:
                    problems.append(f"payload names {signed}")
                    continue
                try:
                    key.verify(base64.b64decode(sig_b64), payload, ec.ECDSA(hashes.SHA256()))
                except (InvalidSignature, ValueError):
                    problems.append("signature does not verify with this key")
                    continue
                return subject.digest
    detail = "; ".join(sorted(set(problems))) or "no signature payload"
    raise IntegrityError(f"{label}: no valid signature for {ref.name}@{subject.digest} by {public_key} ({detail})")
