"""Customs-selection metrics on hand-made examples whose answers are worked out by hand."""

import numpy as np
import pytest

from models.evaluation import (
    at_budget,
    average_precision,
    brier,
    calibration,
    expected_calibration_error,
    ranking,
    recall_by_type,
    threshold_for_share,
)

# Ten parcels, three violations (evaded 100, 50, 850 CNY).
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
LABELS = np.array([1, 0, 1, 0, 0, 0, 0, 1, 0, 0])
EVADED = np.array([100.0, 0, 50, 0, 0, 0, 0, 850, 0, 0])
TYPES = np.array(["ant_moving", "", "counterfeit", "", "", "", "", "ant_moving", "", ""])


def test_inspecting_the_top_fifth_catches_two_violations_and_15_percent_of_the_value() -> None:
    r = at_budget(ranking(SCORES), LABELS, EVADED, 0.2)
    assert (r.inspected, r.caught) == (2, 1)
    assert r.precision == 0.5 and r.recall == pytest.approx(1 / 3)
    assert r.value_share == pytest.approx(100 / 1000)
    r = at_budget(ranking(SCORES), LABELS, EVADED, 0.3)
    assert r.caught == 2
    assert r.precision == pytest.approx(2 / 3) and r.value_share == pytest.approx(0.15)


def test_a_budget_rounds_up_to_whole_parcels() -> None:
    assert at_budget(ranking(SCORES), LABELS, EVADED, 0.01).inspected == 1
    assert at_budget(ranking(SCORES), LABELS, EVADED, 0.1).inspected == 1


def test_average_precision_by_hand() -> None:
    # Hits at ranks 1, 3, 8: (1/1 + 2/3 + 3/8) / 3.
    assert average_precision(SCORES, LABELS) == pytest.approx((1 + 2 / 3 + 3 / 8) / 3)


def test_tied_scores_are_one_threshold_in_average_precision() -> None:
    scores = np.array([0.5, 0.5, 0.1])
    labels = np.array([0, 1, 0])
    assert average_precision(scores, labels) == pytest.approx(0.5)
    assert average_precision(scores[::-1].copy(), labels[::-1].copy()) == pytest.approx(0.5)


def test_ranking_breaks_ties_by_the_next_key() -> None:
    severity = np.array([1, 2, 2, 0])
    score = np.array([0.9, 0.1, 0.3, 0.99])
    assert ranking(severity, score).tolist() == [2, 1, 0, 3]


def test_calibration_bins_and_error() -> None:
    scores = np.array([0.05, 0.15, 0.12, 0.95, 0.85])
    labels = np.array([0, 0, 1, 1, 1])
    table = calibration(scores, labels, bins=10)
    assert [(b.low, b.count) for b in table] == [(0.0, 1), (0.1, 2), (pytest.approx(0.8), 1), (0.9, 1)]
    assert table[1].observed == 0.5 and table[1].mean_score == pytest.approx(0.135)
    expected = (1 * 0.05 + 2 * abs(0.135 - 0.5) + 1 * 0.15 + 1 * 0.05) / 5
    assert expected_calibration_error(table) == pytest.approx(expected)
    assert brier(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == 0.5


def test_recall_by_type_at_a_budget() -> None:
    assert recall_by_type(ranking(SCORES), TYPES, 0.3) == {"ant_moving": 0.5, "counterfeit": 1.0}


def test_threshold_for_a_share_leaves_that_share_strictly_above() -> None:
    t = threshold_for_share(SCORES, 0.3)
    assert t == 0.6
    assert int(np.sum(t < SCORES)) == 3
