"""A stand-in for the throttles' clock (see the `throttle_clock` fixture)."""


class ThrottleClock:
    """The throttles' clock (`api.throttling.clock`), standing still until moved."""

    def __init__(self, now: float) -> None:
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += seconds
