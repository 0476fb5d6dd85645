"""Encryption at rest for platform access and refresh tokens, and signing with a key ring."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from itsdangerous import URLSafeTimedSerializer


def signer(secret_keys: tuple[str, ...], salt: str) -> URLSafeTimedSerializer:
    """Signs with the first of `secret_keys` and verifies with any, so a new key can go first while
    values signed with an older one still verify. (itsdangerous signs with the last key of a list.)"""
    return URLSafeTimedSerializer(list(reversed(secret_keys)), salt=salt)


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) over a key ring: the first key encrypts, every key
    decrypts, so a new key can go first while tokens sealed with an older one still open. Each key
    is a Fernet key; any other string is stretched into one with SHA-256 so a passphrase also works."""

    def __init__(self, *keys: str) -> None:
        if not keys or not all(keys):
            raise ValueError("an encryption key is required")
        self._current = _fernet(keys[0])
        self._ring = MultiFernet([_fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> bytes:
        return self._current.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._ring.decrypt(bytes(ciphertext)).decode()
        except InvalidToken as exc:
            raise ValueError("token ciphertext does not match the encryption key") from exc

    def reencrypt(self, ciphertext: bytes) -> bytes | None:
        """The same plaintext sealed with the first key, or None when it already is."""
        try:
            self._current.decrypt(bytes(ciphertext))
            return None
        except InvalidToken:
            pass
        try:
            return self._ring.rotate(bytes(ciphertext))
        except InvalidToken as exc:
            raise ValueError("token ciphertext matches no key of the ring") from exc


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))
