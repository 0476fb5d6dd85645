"""Encryption at rest for platform access and refresh tokens."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256). `key` is a Fernet key; any other string is
    stretched into one with SHA-256 so a passphrase also works."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("an encryption key is required")
        try:
            self._fernet = Fernet(key.encode())
        except ValueError:
            derived = base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())
            self._fernet = Fernet(derived)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(ciphertext)).decode()
        except InvalidToken as exc:
            raise ValueError("token ciphertext does not match the encryption key") from exc
