"""A property-based fuzz run of the app against its own OpenAPI schema: no 5xx, no answer off the schema."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.result import Ok
from schemathesis.python import asgi

from api.app import create_app
from api.security import CSRF_HEADER
from screening.people.service import DEV_PASSWORD, DEV_USERNAME
from screening.settings import Settings

CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The app (started, in its own data dir) and a client logged in as the development user."""
    app = create_app(Settings(env="development", data_dir=tmp_path_factory.mktemp("fuzz") / "data"))
    with asgi.get_client(app) as client:  # type: ignore[arg-type]
        r = client.post("/v1/auth/login", json={"username": DEV_USERNAME, "password": DEV_PASSWORD})
        assert r.status_code == 200, r.text
        client.headers[CSRF_HEADER] = r.json()["csrf_token"]
        yield app, client


@pytest.mark.slow
def test_the_api_keeps_to_its_schema_under_fuzzed_input(fuzzed: tuple[Any, Any]) -> None:
    app, client = fuzzed
    # Logging out would end the session every later example relies on.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/v1/auth/logout")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"an operation the schema does not describe well: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def examples(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            case.call_and_validate(session=client, checks=CHECKS)

        try:
            examples()
        except Exception as exc:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 20  # every route of the API, not an empty schema
    assert not failures, "\n\n".join(failures)
