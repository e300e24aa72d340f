"""CPU per stage of a decision (thread CPU time, summed per process and exported to /metrics).

Off by default: each reading is a clock_gettime system call. The benchmark turns it on
(SCREENING_STAGE_TIMERS=true) and reads it at one connection, where no other request runs between two
readings of the event loop's thread.
"""

import time

from screening import metrics

STAGES = ("prepare", "redis", "rules", "model", "cases", "log", "metrics")


class Lap:
    """Charges the thread CPU since the previous reading to a stage."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = time.thread_time_ns()

    def __call__(self, stage: str) -> None:
        """Charge the CPU since the last call to this stage."""
        now = time.thread_time_ns()
        _CHILDREN[stage].inc((now - self._last) / 1e9)
        self._last = now


class _Off:
    __slots__ = ()

    def __call__(self, stage: str) -> None:
        """Nothing: the timers are off."""


_CHILDREN = {stage: metrics.STAGE_CPU.labels(stage) for stage in STAGES}
_OFF = _Off()


def lap(enabled: bool) -> "Lap | _Off":
    """A lap timer started now, or one that does nothing."""
    return Lap() if enabled else _OFF
