"""Password hashing: Argon2id at OWASP's parameters (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
p = 1), through Django's own Argon2 hasher and argon2-cffi. Django's defaults (100 MiB, p = 8) cost
more memory per sign-in than a 2-core app server should spend; PBKDF2 at 1,000,000 iterations cost
≈ 0.5 s of CPU per sign-in here. Older hashes (PBKDF2) still verify and are rewritten at the next
sign-in, because this hasher comes first in ``PASSWORD_HASHERS``."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
