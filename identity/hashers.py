"""Password hashing: Argon2id at m = 7 MiB, t = 5, p = 1, through Django's own Argon2 hasher and argon2-cffi.

OWASP's Password Storage Cheat Sheet lists five Argon2id settings that "provide an equal level of
defense, and the only difference is a trade off between CPU and RAM usage": m = 46 MiB t = 1,
19 MiB t = 2, 12 MiB t = 3, 9 MiB t = 4, 7 MiB t = 5 (p = 1 for all). A web worker holds the block
for the whole hash, so the block is what a sign-in adds to the worker's peak memory (issue 25's goal:
≤ 150 MiB per gunicorn worker). Measured here (bench/argon2_params.py, bench/results/2026-12-07-memory.md):
7 MiB t = 5 adds ~7 MiB to a worker's peak where 19 MiB t = 2 added ~19, for no more CPU per hash
(the settings do about the same work: m × t is 35,840 KiB against 38,912). So the lowest-memory setting.

Earlier hashes — Argon2id at 19 MiB t = 2 (until 2026-12-07), PBKDF2 before that — still verify and are
rewritten at the next successful sign-in: this hasher comes first in ``PASSWORD_HASHERS`` and Django's
``must_update`` compares the stored parameters with these (tests/identity/test_sign_in.py).
``harden_runtime`` stays Django's no-op for Argon2: it can only add time, and a not-yet-upgraded hash is
the slower one (docs/identity.md: the timing gap that leaves and what bounds it).
Django's defaults (100 MiB, p = 8) would cost a worker more memory than anything else it holds.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 5
    memory_cost = 7 * 1024  # KiB (OWASP: m = 7168)
    parallelism = 1
