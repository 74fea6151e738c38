"""Fixtures shared by the tests: the sandbox server and contract-checking clients for it, and a clock that
moves only when told. Everything else the tests share lives in tests/support/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from sync.sandbox import Sandbox, SandboxConfig
from tests.support.cli import SANDBOX_KEY
from tests.support.clock import FakeClock

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from openapi_core import OpenAPI

    from tests.support.sandbox_api import Api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh, seeded sandbox on 127.0.0.1 for one test.

    Authenticate with ``Authorization: Bearer <sandbox.config.api_key>``;
    ``sandbox.config.read_only_keys[0]`` may read but not write.
    """
    config = SandboxConfig(api_key=SANDBOX_KEY, read_only_keys=("sandbox-read-only-key",))
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    """The vendored OpenAPI document, for openapi-core to validate requests and responses with."""
    from openapi_core import OpenAPI

    from sync.schema import SPEC_NAME, schemas_dir

    return OpenAPI.from_file_path(str(schemas_dir() / SPEC_NAME))


@pytest.fixture(scope="session")
def error_response() -> Draft202012Validator:
    """For replies on routes the spec does not have (404, 405): they are still ErrorResponses."""
    from jsonschema import Draft202012Validator

    from sync.schema import generate, load_spec

    return Draft202012Validator(generate(load_spec(), "ErrorResponse", schema_id="urn:test", title="error"))


@pytest.fixture
def make_api(openapi: OpenAPI, error_response: Draft202012Validator) -> Iterator[Callable[..., Api]]:
    """Contract-checking clients with any key (or none) for any sandbox, closed after the test."""
    from tests.support.sandbox_api import Api

    made: list[Api] = []

    def make(sandbox: Sandbox, key: str | None) -> Api:
        made.append(Api(sandbox, openapi, error_response, key))
        return made[-1]

    yield make
    for client in made:
        client.client.close()


@pytest.fixture
def api(sandbox: Sandbox, make_api: Callable[..., Api]) -> Api:
    """A contract-checking client for the ``sandbox`` fixture, with its read-write key."""
    return make_api(sandbox, sandbox.config.api_key)
