"""Short secrets kept encrypted at rest (TOTP shared secrets) under the key from configuration that also protects
the signing keys (`XBORDER_KEY_PASSPHRASE`): a Fernet key (AES-128-CBC with HMAC-SHA256, `cryptography`) derived
from the passphrase with PBKDF2, once per process. A database copy without the configuration reveals nothing."""

from __future__ import annotations

import base64
import functools
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

# Fixed, because the key must be the same on every worker and after every restart; the passphrase is the secret.
_SALT = b"xborder/sealed-column/1"
_ROUNDS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256; paid once per process and passphrase
PREFIX = "gAAAAA"  # every Fernet token begins so (version byte 0x80 and a 64-bit timestamp's high zero bytes)


class SealError(ValueError):
    """A sealed value cannot be opened: another passphrase, or the value was changed."""


@functools.lru_cache(maxsize=4)
def _fernet(passphrase: bytes) -> Fernet:
    if not passphrase:
        raise ValueError("a passphrase is required: secrets are never stored unencrypted")
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=_SALT, iterations=_ROUNDS)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase)))


def seal(text: str, passphrase: bytes) -> str:
    """`text` encrypted and authenticated under the passphrase, as URL-safe ASCII."""
    return _fernet(passphrase).encrypt(text.encode()).decode("ascii")


def unseal(token: str, passphrase: bytes) -> str:
    """The text `seal` encrypted; SealError for another passphrase or a changed value."""
    try:
        return _fernet(passphrase).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SealError("the sealed value cannot be opened with the configured passphrase") from exc


def _configured_passphrase() -> bytes:
    from flask import current_app

    return bytes(current_app.config["XBORDER"].key_passphrase)


class Sealed(sa.types.TypeDecorator[str]):
    """A string column stored sealed under the configured passphrase, read back in clear (needs an app context)."""

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else seal(str(value), _configured_passphrase())

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else unseal(str(value), _configured_passphrase())
