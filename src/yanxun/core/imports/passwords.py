"""Initial passwords for accounts created by an import, hashed fast enough for 10,000 rows.

Django's PBKDF2 at full cost takes ~0.23 s a hash here: 10,000 teachers would take 40 minutes.
An initial password derived by a published rule from data in the same database (the 身份证号)
gains nothing from an expensive hash — whoever can read the hash can read the 身份证号 — so it
is stored as a standard pbkdf2_sha256 hash with few iterations. Django's own check_password
verifies it (the iteration count is part of the hash) and re-hashes it at full cost on the
first successful login; must_change_password then forces the user to replace it.
See docs/adr/0003-import-framework.md.
"""

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher

INITIAL_ITERATIONS = 100


def initial_password_hash(password: str) -> str:
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        # 128 random bits, like hasher.salt() but without its per-character loop.
        salt = secrets.token_urlsafe(16)
        return hasher.encode(password, salt, iterations=INITIAL_ITERATIONS)
    return hasher.encode(password, hasher.salt())  # the fast test hasher, or a custom default
