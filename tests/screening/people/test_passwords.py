"""Password hashing: the service's parameters (the suite hashes at the cheapest: tests/conftest.py)."""

from argon2 import PasswordHasher, Type, extract_parameters, profiles

from screening.people import passwords


def test_the_service_hashes_with_argon2id_at_the_recommended_parameters() -> None:
    """The service's hashes are Argon2id at RFC 9106's low-memory profile, argon2-cffi's recommendation."""
    assert passwords.PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    assert extract_parameters(PasswordHasher().hash("dev")) == passwords.PARAMETERS
    written = extract_parameters(PasswordHasher.from_parameters(passwords.PARAMETERS).hash("dev"))
    assert (written.type, written.time_cost, written.memory_cost) == (Type.ID, 3, 65536)


def test_the_suite_swaps_in_the_cheapest_parameters_and_hashes_still_verify() -> None:
    """Under the suite's swap the service writes Argon2id hashes at the cheapest profile that verify."""
    stored = passwords.hash_password("dev")
    assert extract_parameters(stored) == profiles.CHEAPEST
    assert passwords.verify_password(stored, "dev")
    assert not passwords.verify_password(stored, "not dev")
