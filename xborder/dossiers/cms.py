"""Detached CMS SignedData (RFC 5652) checked from its DER alone: the signed attributes, the message digest over the
given content, and the signer's signature. Whether the signer is trusted is the caller's question (see verify.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from asn1crypto import cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


@dataclasses.dataclass(frozen=True)
class SignedContent:
    """What a verified detached CMS signature says: its signer, the other certificates it carries, its time."""

    signer: x509.Certificate
    certificates: list[x509.Certificate]
    signing_time: dt.datetime | None


class CmsError(ValueError):
    """A detached CMS signature does not verify over the given content; the message says why."""


def verify_cms_detached(signature: bytes, content: bytes) -> SignedContent:
    """Verify a DER detached CMS SignedData over the content, raising CmsError; the signer is not yet trusted."""
    try:
        return _verify_cms(signature, content)
    except CmsError:
        raise
    except InvalidSignature:
        raise CmsError("the signature does not verify with the signer's certificate") from None
    except Exception as exc:  # asn1crypto parses lazily and raises many types on hostile DER
        raise CmsError(f"not a well-formed CMS signature: {type(exc).__name__}: {exc}") from None


def _verify_cms(signature: bytes, content: bytes) -> SignedContent:
    info = cms.ContentInfo.load(signature, strict=True)
    if info["content_type"].native != "signed_data":
        raise CmsError("not CMS SignedData")
    signed_data = info["content"]
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].native != "data" or encapsulated["content"].native is not None:
        raise CmsError("not a detached signature over data")
    carried = signed_data["certificates"]
    certificates = [] if isinstance(carried, core.Void) else [c.chosen for c in carried if c.name == "certificate"]
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise CmsError(f"{len(signer_infos)} signers; a stage has exactly one")
    signer_info = signer_infos[0]
    signer = _find_signer(signer_info["sid"], certificates)

    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES:
        raise CmsError(f"digest {digest_name} is not accepted; use SHA-256, SHA-384 or SHA-512")
    attributes = signer_info["signed_attrs"]
    if isinstance(attributes, core.Void) or not len(attributes):
        raise CmsError("no signed attributes, so no message digest to check")
    values: dict[str, Any] = {}
    for attribute in attributes:
        kind = attribute["type"].native
        if kind in values or len(attribute["values"]) != 1:
            raise CmsError(f"signed attribute {kind} is repeated or has several values")
        values[kind] = attribute["values"][0].native
    if values.get("content_type") != "data":
        raise CmsError("the signed content type is not data")
    expected = hashlib.new(digest_name, content).digest()
    digest = values.get("message_digest")
    if not isinstance(digest, bytes) or not hmac.compare_digest(digest, expected):
        raise CmsError("the signed message digest does not match the manifest: the manifest is not what was signed")

    algorithm = signer_info["signature_algorithm"]
    try:
        named_hash = algorithm.hash_algo
    except ValueError:
        named_hash = digest_name  # rsaEncryption names no hash: the digest algorithm is the one used
    if named_hash != digest_name:
        raise CmsError(f"the signature algorithm uses {named_hash} but the digest is {digest_name}")
    # The signature covers the DER of the signed attributes as a SET (tag 0x31), not as the [0] stored here.
    signed_bytes = b"\x31" + attributes.dump()[1:]
    signer_cert = x509.load_der_x509_certificate(signer.dump())
    _verify_signature(signer_cert, algorithm, signer_info["signature"].native, signed_bytes, digest_name)
    others = [x509.load_der_x509_certificate(cert.dump()) for cert in certificates if cert is not signer]
    signing_time = values.get("signing_time")
    return SignedContent(signer_cert, others, signing_time if isinstance(signing_time, dt.datetime) else None)


def _find_signer(sid: Any, certificates: Sequence[Any]) -> Any:
    for cert in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if cert.issuer == wanted["issuer"] and cert.serial_number == wanted["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    raise CmsError("the signer's certificate is not in the signature")


def _verify_signature(cert: x509.Certificate, algorithm: Any, signature: bytes, data: bytes, digest: str) -> None:
    key, kind = cert.public_key(), algorithm.signature_algo
    hash_algorithm = HASHES[digest]()
    if kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hash_algorithm))
    elif kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    elif kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
        params = algorithm["parameters"]
        mgf = params["mask_gen_algorithm"]
        mgf_hash = mgf["parameters"]["algorithm"].native
        if mgf["algorithm"].native != "mgf1" or mgf_hash not in HASHES:
            raise CmsError("RSA-PSS with an unsupported mask generation function")
        pss = padding.PSS(mgf=padding.MGF1(HASHES[mgf_hash]()), salt_length=params["salt_length"].native)
        key.verify(signature, data, pss, hash_algorithm)
    else:
        raise CmsError(f"signature algorithm {kind} does not match the signer's {type(key).__name__}")
