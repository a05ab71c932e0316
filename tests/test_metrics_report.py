"""metrics.report / summary / plot_report, and an integration run with the real explainers when they exist."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_metrics_helpers import exact_linear, gradient_explainer, linear_model, random_explainer

from xai_teach import explain, metrics


@pytest.fixture(scope="module")
def linear_report(digits):
    model, w, _ = linear_model()
    explainers = {"exact": exact_linear(w), "gradient": gradient_explainer, "random": random_explainer(1)}
    return metrics.report(model, digits[0], explainers, random_state=0)


def test_report_is_tidy_and_ranks_the_exact_explainer_first(linear_report):
    df = linear_report
    assert list(df.columns) == ["method", "metric", "input", "target", "value", "better"]
    assert len(df) == 3 * 4 * 10
    assert set(df.metric) == {"deletion", "insertion", "faithfulness_correlation", "local_lipschitz"}
    table = metrics.summary(df)
    assert table.loc[("deletion", "exact"), "better"] == "lower"
    for metric in ("deletion", "insertion", "faithfulness_correlation"):
        assert table.loc[(metric, "exact"), "rank"] == 1
        assert table.loc[(metric, "random"), "rank"] == 3
    # The gradient of a linear model does not depend on the input at all.
    assert table.loc[("local_lipschitz", "gradient"), "mean"] == pytest.approx(0, abs=1e-6)
    assert table.loc[("faithfulness_correlation", "exact"), "text"].startswith("0.9")


def test_plot_report_draws_one_panel_per_metric(linear_report):
    fig = metrics.plot_report(linear_report)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 4 and "deletion\n(lower is better)" in titles
    plt.close(fig)


def test_result_and_randomisation_plots_show_their_numbers(digits):
    model, w, _ = linear_model()
    res = metrics.deletion(model, digits[0], exact_linear(w), steps=7)
    ax = res.plot()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), res.curve.mean(axis=0))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), res.fractions)
    assert "AUC" in ax.get_legend().get_texts()[0].get_text()
    plt.close(ax.figure)
    with pytest.raises(AttributeError, match="no curve"):
        metrics.local_lipschitz(model, digits[0], gradient_explainer).plot()
    sanity = metrics.cascading_randomisation(model, digits[0], gradient_explainer)
    ax = sanity.plot()
    assert [line.get_label() for line in ax.lines[:3]] == ["spearman_abs", "spearman", "ssim"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), sanity.summary()["spearman"])
    plt.close(ax.figure)


def test_report_shares_targets_and_params(digits):
    model, w, _ = linear_model()
    df = metrics.report(
        model,
        digits[0],
        {"exact": exact_linear(w), "precomputed": exact_linear(w)(model, digits[0], np.full(10, 7))},
        metrics=("deletion", "localisation"),
        targets=7,
        params={"deletion": {"steps": 4}, "localisation": {"mask": np.ones((28, 28), dtype=bool)}},
    )
    assert df.target.eq(7).all()
    a, b = (df[(df.method == m) & (df.metric == "deletion")].value.to_numpy() for m in ("exact", "precomputed"))
    np.testing.assert_allclose(a, b)


def test_report_refuses_bad_requests(digits):
    model, w, _ = linear_model()
    attr = exact_linear(w)(model, digits[0], np.zeros(10, dtype=int))
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.report(model, digits[0], {"exact": exact_linear(w)}, metrics=("deletoin",))
    with pytest.raises(TypeError, match="re-explain"):
        metrics.report(model, digits[0], {"pre": attr}, metrics=("deletion", "local_lipschitz"), targets=0)
    with pytest.raises(ValueError, match="not in metrics"):
        metrics.report(model, digits[0], {"exact": exact_linear(w)}, metrics=("deletion",), params={"insertion": {}})
    with pytest.raises(TypeError, match="non-empty dict"):
        metrics.report(model, digits[0], [exact_linear(w)])
    with pytest.raises(TypeError, match="report"):
        metrics.summary(pd.DataFrame({"x": [1]}))


@pytest.mark.skipif(
    not all(hasattr(explain, name) for name in ("saliency", "integrated_gradients", "gradient_x_input")),
    reason="xai_teach.explain methods are not available yet",
)
def test_real_explainers_through_the_metrics(zoo, digits):
    model = zoo("mnist_cnn")
    x = digits[0]
    explainers = {
        "saliency": explain.saliency,
        "gradient_x_input": explain.gradient_x_input,
        "integrated_gradients": explain.integrated_gradients,
    }
    df = metrics.report(model, x, explainers, metrics=("deletion", "insertion", "local_lipschitz"))
    table = metrics.summary(df)
    assert table["n"].eq(10).all() and np.isfinite(table["mean"]).all()
    sanity = metrics.cascading_randomisation(model, x[:4], explain.saliency, layers=["logits", "dense"])
    assert sanity.summary().loc["dense", "ssim"] < 1
