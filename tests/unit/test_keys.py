"""Key rings and the production refusal: which keys may serve, and rotation without downtime."""

from __future__ import annotations

from dataclasses import replace

import pytest
from itsdangerous import BadSignature

from optimizer_app.crypto import TokenCipher
from optimizer_app.settings import Settings
from optimizer_app.web.context import session_serializer

SESSION_KEY = "s" * 31 + "1"
TOKEN_KEY = "t" * 31 + "1"
OLD_KEY, NEW_KEY = "o" * 40, "n" * 40


def production(*, secret_keys: tuple[str, ...], token_encryption_keys: tuple[str, ...]) -> Settings:
    return replace(
        Settings(), app_env="production", secret_keys=secret_keys, token_encryption_keys=token_encryption_keys
    )


def test_production_refuses_the_defaults_and_development_accepts_them() -> None:
    assert "SECRET_KEY is missing or a published development key" in (Settings().unsafe_keys() or "")
    assert replace(Settings(), app_env="development").unsafe_keys() is None


@pytest.mark.parametrize(
    ("secret_keys", "token_keys", "named"),
    [
        ((), (TOKEN_KEY,), "SECRET_KEY is missing"),
        (("dev-only-secret-change-me",), (TOKEN_KEY,), "SECRET_KEY is missing or a published development key"),
        ((SESSION_KEY, "dev-only-secret-change-me"), (TOKEN_KEY,), "SECRET_KEYS"),
        (("s" * 31,), (TOKEN_KEY,), "SECRET_KEY (or a key of SECRET_KEYS) is shorter than 32 characters"),
        ((SESSION_KEY,), ("dev-only-token-key-change-me",), "TOKEN_ENCRYPTION_KEY is missing"),
        ((SESSION_KEY,), (), "TOKEN_ENCRYPTION_KEY is missing"),
        ((SESSION_KEY,), ("short", TOKEN_KEY), "TOKEN_ENCRYPTION_KEY (or a key of TOKEN_ENCRYPTION_KEYS) is shorter"),
        ((SESSION_KEY,), (SESSION_KEY,), "TOKEN_ENCRYPTION_KEY must differ from SECRET_KEY"),
        ((NEW_KEY, SESSION_KEY), (TOKEN_KEY, SESSION_KEY), "TOKEN_ENCRYPTION_KEY must differ from SECRET_KEY"),
    ],
)
def test_production_refuses_unsafe_keys_naming_the_variable(
    secret_keys: tuple[str, ...], token_keys: tuple[str, ...], named: str
) -> None:
    assert named in (production(secret_keys=secret_keys, token_encryption_keys=token_keys).unsafe_keys() or "")


def test_production_accepts_long_distinct_keys() -> None:
    settings = production(secret_keys=(NEW_KEY, SESSION_KEY), token_encryption_keys=(TOKEN_KEY, OLD_KEY))
    assert settings.unsafe_keys() is None
    assert settings.secret_key == NEW_KEY


def test_an_old_token_key_may_be_weak_so_that_rotation_can_move_tokens_off_it() -> None:
    for old_key in ("dev-only-secret-change-me", "short"):
        assert production(secret_keys=(SESSION_KEY,), token_encryption_keys=(TOKEN_KEY, old_key)).unsafe_keys() is None


def test_a_token_sealed_with_the_old_key_opens_with_the_ring_and_new_ones_use_the_first_key() -> None:
    old_sealed = TokenCipher(OLD_KEY).encrypt("shpat_old")
    ring = TokenCipher(NEW_KEY, OLD_KEY)
    assert ring.decrypt(old_sealed) == "shpat_old"
    assert TokenCipher(NEW_KEY).decrypt(ring.encrypt("shpat_new")) == "shpat_new"
    with pytest.raises(ValueError):
        TokenCipher(OLD_KEY).decrypt(ring.encrypt("shpat_new"))


def test_reencrypt_moves_a_token_to_the_first_key_once() -> None:
    ring = TokenCipher(NEW_KEY, OLD_KEY)
    moved = ring.reencrypt(TokenCipher(OLD_KEY).encrypt("refresh"))
    assert moved is not None and TokenCipher(NEW_KEY).decrypt(moved) == "refresh"
    assert ring.reencrypt(moved) is None
    with pytest.raises(ValueError):
        ring.reencrypt(TokenCipher("a key outside the ring").encrypt("refresh"))


def test_a_session_signed_with_the_old_key_verifies_during_rotation_and_new_ones_use_the_first_key() -> None:
    old_session = session_serializer((OLD_KEY,)).dumps({"store_id": 1, "v": 1})
    ring = session_serializer((NEW_KEY, OLD_KEY))
    assert ring.loads(old_session) == {"store_id": 1, "v": 1}
    new_session = ring.dumps({"store_id": 2, "v": 1})
    assert session_serializer((NEW_KEY,)).loads(new_session) == {"store_id": 2, "v": 1}
    with pytest.raises(BadSignature):
        session_serializer((OLD_KEY,)).loads(new_session)
