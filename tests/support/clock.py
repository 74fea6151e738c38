"""Time that moves only when a test moves it."""

from __future__ import annotations


class FakeClock:
    """Unix seconds that advance only when a test says so: the sandbox's injectable clock."""

    def __init__(self, now: float = 1_776_424_620.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
