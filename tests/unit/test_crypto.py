"""TokenCipher: platform tokens sealed at rest under a key derived from a passphrase."""

from __future__ import annotations

import pytest

from optimizer_app.crypto import TokenCipher


def test_token_cipher_round_trip_and_wrong_key() -> None:
    cipher = TokenCipher("a passphrase")
    sealed = cipher.encrypt("secret-token")
    assert b"secret-token" not in sealed
    assert cipher.decrypt(sealed) == "secret-token"
    with pytest.raises(ValueError):
        TokenCipher("another passphrase").decrypt(sealed)
