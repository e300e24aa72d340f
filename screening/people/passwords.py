"""Password hashes with Argon2id (argon2-cffi's recommended parameters)."""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PARAMETERS = profiles.RFC_9106_LOW_MEMORY  # argon2-cffi's recommended parameters
# Module-level so that tests can swap in argon2.profiles.CHEAPEST; the service never changes it.
HASHER = PasswordHasher.from_parameters(PARAMETERS)


@cache
def _dummy(hasher: PasswordHasher) -> str:
    # Verified when the username is unknown, so a wrong username costs as long as a wrong password.
    return hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """The Argon2id hash of a password, salt and parameters included."""
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; None (unknown user) never matches but costs the same."""
    try:
        return HASHER.verify(stored or _dummy(HASHER), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return HASHER.check_needs_rehash(stored)
