"""Fixtures shared by the tests: the sandbox server, and a clock that moves only when told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.sandbox import Sandbox, SandboxConfig


class FakeClock:
    """Unix seconds that advance only when a test says so: the sandbox's injectable clock."""

    def __init__(self, now: float = 1_776_424_620.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh, seeded sandbox on 127.0.0.1 for one test.

    Authenticate with ``Authorization: Bearer <sandbox.config.api_key>``;
    ``sandbox.config.read_only_keys[0]`` may read but not write.
    """
    config = SandboxConfig(api_key="sandbox-test-key", read_only_keys=("sandbox-read-only-key",))
    with Sandbox(config) as sb:
        yield sb
