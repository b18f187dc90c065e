"""Actor tokens: random, shown once, stored as a salted scrypt hash, compared in constant time."""

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


def new_token() -> str:
    """A fresh random token of 256 bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def hash_token(token: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash` (hex), so the cost can rise later without breaking old hashes."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(token, salt, _N, _R, _P)
    return f"{_SCHEME}${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_token(token: str, stored: str | None) -> bool:
    """True when `token` matches `stored`; does the same work when `stored` is None."""
    if stored is None:
        hash_token(token)  # spend the same time whether or not the actor exists
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        computed = _scrypt(token, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, bytes.fromhex(digest))


def _scrypt(token: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # A token from an environment that is not UTF-8 arrives with its bytes as surrogates: hash
    # those bytes, so it is simply a wrong token, checked like any other.
    return hashlib.scrypt(
        token.encode("utf-8", "surrogateescape"), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=32
    )
