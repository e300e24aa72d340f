"""When parcels are picked up: daily and weekly rhythm in Beijing time, with the Double-11 peak."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np

BEIJING = timezone(timedelta(hours=8))

# Relative pickups per hour of the Beijing day (couriers collect in the morning and afternoon).
HOURLY = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        2.0,
        3.0,
        3.2,
        3.0,
        2.2,
        2.6,
        3.0,
        3.1,
        3.0,
        2.6,
        2.0,
        1.6,
        1.4,
        1.2,
        0.8,
        0.4,
    ]
)
# Monday first: shops ship all week, people less at the weekend.
WEEKLY: dict[str, tuple[float, ...]] = {
    "household": (1.0, 1.0, 1.0, 1.0, 1.05, 0.85, 0.8),
    "shop": (1.05, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9),
    "cbec": (1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95),
    "cross_border": (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.85),
}
# Double 11 (双十一): orders placed on 11 November are picked up over the following days.
DOUBLE_11: dict[str, dict[int, float]] = {
    "household": {11: 1.2, 12: 1.2},
    "shop": {10: 1.4, 11: 3.0, 12: 2.2, 13: 1.6, 14: 1.3},
    "cbec": {11: 2.5, 12: 2.0, 13: 1.5, 14: 1.2},
    "cross_border": {11: 1.3, 12: 1.3},
}


@dataclass(frozen=True, slots=True)
class Calendar:
    """The simulated period: its first day and length."""

    start: date
    days: int

    @property
    def start_ms(self) -> int:
        """Midnight of the first day in Beijing, epoch milliseconds."""
        return int(
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=BEIJING).timestamp() * 1000
        )

    def day_weights(self, rhythm: str) -> np.ndarray:
        """Relative pickups per simulated day for one kind of sender."""
        out = np.empty(self.days)
        for i in range(self.days):
            day = self.start + timedelta(days=i)
            w = WEEKLY[rhythm][day.weekday()]
            if day.month == 11:
                w *= DOUBLE_11[rhythm].get(day.day, 1.15 if day.day < 10 and rhythm == "shop" else 1.0)
            out[i] = w
        return out

    def times(
        self, rng: np.random.Generator, size: int, rhythm: str, *, days: tuple[int, int] | None = None
    ) -> np.ndarray:
        """Pickup times (epoch ms, whole seconds) following the rhythm, optionally within a day range."""
        weights = self.day_weights(rhythm)
        if days is not None:
            mask = np.zeros(self.days, bool)
            mask[days[0] : days[1] + 1] = True
            weights = np.where(mask, weights, 0.0)
        day = rng.choice(self.days, size=size, p=weights / weights.sum())
        hour = rng.choice(24, size=size, p=HOURLY / HOURLY.sum())
        second = rng.integers(0, 3600, size)
        return self.start_ms + (day.astype(np.int64) * 86_400 + hour * 3600 + second) * 1000
