"""bootstrap_ci against the normal-theory interval of a mean, and its input checks."""

import numpy as np
import pytest

from xai_teach.stats import bootstrap_ci


def test_interval_of_a_mean_matches_normal_theory():
    x = np.random.default_rng(1).normal(3.0, 2.0, size=400)
    est, low, high = bootstrap_ci(x, n_boot=4000)
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert est == pytest.approx(x.mean())
    assert low == pytest.approx(x.mean() - 1.96 * se, abs=0.25 * se)
    assert high == pytest.approx(x.mean() + 1.96 * se, abs=0.25 * se)


def test_columns_are_separate_and_seeded():
    x = np.column_stack([np.zeros(50), np.arange(50.0)])
    est, low, high = bootstrap_ci(x, np.median, random_state=3)
    assert est.tolist() == [0.0, 24.5] and low[0] == high[0] == 0.0 and low[1] < 24.5 < high[1]
    again = bootstrap_ci(x, np.median, random_state=3)
    assert np.array_equal(again[1], low) and np.array_equal(again[2], high)


@pytest.mark.parametrize(
    "values, kwargs, err",
    [
        ([1.0], {}, ValueError),
        ([1.0, np.nan], {}, ValueError),
        ([1.0, 2.0], {"level": 95}, ValueError),
        ([1.0, 2.0], {"n_boot": 0}, ValueError),
        ([1.0, 2.0], {"n_boot": 2.5}, TypeError),
    ],
)
def test_bad_input_is_refused(values, kwargs, err):
    with pytest.raises(err):
        bootstrap_ci(values, **kwargs)
