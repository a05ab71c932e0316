"""Run several metrics over several explainers and compare them in one table and one chart.

:func:`report` returns a plain tidy ``pandas.DataFrame`` (one row per method x
metric x input); :func:`summary` turns it into mean +- standard error per
method and metric with the direction that is better; :func:`plot_report` draws
the comparison chart. (A DataFrame cannot carry a custom ``.plot``, so the chart
is a function of the frame: ``metrics.plot_report(metrics.report(...))``.)
"""

import numpy as np
import pandas as pd

from .. import checks
from ..explain.attribution import Attribution
from . import _common as c
from . import agreement, faithfulness, registry, sanity, stability  # noqa: F401  (register their metrics)

#: every registered metric by name (:func:`xai_teach.metrics.registry.metric` adds to it)
METRICS = registry.METRICS


def _check_request(explainers, metrics, params):
    if not isinstance(explainers, dict) or not explainers:
        raise TypeError("explainers must be a non-empty dict {name: explain_fn or Attribution}.")
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not isinstance(metrics, (list, tuple)) or not all(isinstance(m, str) for m in metrics):
        raise TypeError(f"metrics must be a metric name or a list of them, got {metrics!r}.")
    known = set(registry.METRICS) | set(registry.ALIASES)
    unknown = [m for m in metrics if m not in known]
    if unknown or not metrics:
        what = f"unknown metric(s) {unknown}" if unknown else "metrics is empty"
        raise ValueError(f"{what}; choose from {sorted(registry.METRICS)}.")
    params = {} if params is None else dict(params)
    extra = sorted(set(params) - set(metrics))
    if extra:
        raise ValueError(f"params given for metrics {extra} that are not in metrics={list(metrics)}.")
    for name, explanation in explainers.items():
        if not callable(explanation) and not isinstance(explanation, Attribution):
            raise TypeError(f"explainers[{name!r}] must be an explain_fn or an Attribution.")
        if isinstance(explanation, Attribution):
            needs_fn = [m for m in metrics if registry.spec(m).explainer]
            if needs_fn:
                raise TypeError(f"explainers[{name!r}] is a precomputed Attribution, but {needs_fn} re-explain.")
    return list(metrics), params


def report(
    model,
    inputs,
    explainers,
    metrics=("deletion", "insertion", "faithfulness_correlation", "local_lipschitz"),
    *,
    targets=None,
    random_state=0,
    params=None,
    progress=None,
    seed=checks._UNSET,
):
    """Evaluate every explainer with every metric on the same inputs and classes.

    Each explainer is run once; the attribution-based metrics share that result,
    the stability metrics re-explain perturbed inputs.

    Args:
        model: the model explained.
        inputs: images (or reviews, for deletion and insertion).
        explainers: ``{name: explain_fn or Attribution}``, e.g.
            ``{"saliency": explain.saliency, "ig": partial(explain.integrated_gradients, steps=32)}``.
        metrics: names of registered metrics (:data:`xai_teach.metrics.registry.METRICS`).
        targets: class per input; None: the model's predicted class, the same for every explainer.
        random_state: passed to the metrics that draw random numbers (``seed=`` is its old name).
        params: extra keyword arguments per metric, e.g. ``{"deletion": {"steps": 14},
            "localisation": {"mask": region}}``.
        progress: show a progress bar over explainers x metrics (None: only when interactive).

    Returns:
        Tidy DataFrame with columns ``method``, ``metric``, ``input``, ``target``, ``value``, ``better``;
        ``better`` is each ``Result``'s own direction (e.g. ``pixel_flipping`` with
        ``order="least_relevant"`` is "higher").
    """
    random_state = checks.renamed_seed(random_state, seed)
    metrics, params = _check_request(explainers, metrics, params)
    x = c.check_inputs(model, inputs)
    t = c.resolve_targets(model, x, targets)
    jobs = [(name, metric) for name in explainers for metric in metrics]
    attributions = {}
    frames = []
    for name, metric in c.progress(jobs, desc="report", show=progress):
        spec = registry.spec(metric)
        explanation = explainers[name]
        if not spec.explainer:
            if name not in attributions:
                attributions[name] = (
                    explanation if isinstance(explanation, Attribution) else c.explain(explanation, model, x, t, name)
                )
            explanation = attributions[name]
        kwargs = dict(params.get(metric, {}))
        if spec.random and "seed" not in kwargs:
            kwargs.setdefault("random_state", random_state)
        if spec.progress:
            kwargs.setdefault("progress", False)
        result = spec.fn(model, x, explanation, targets=t, **kwargs)
        frames.append(
            pd.DataFrame(
                {
                    "method": name,
                    "metric": metric,
                    "input": np.arange(len(t)),
                    "target": t,
                    "value": result.scores,
                    "better": result.better,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _check_frame(df):
    need = {"method", "metric", "value"}
    if not isinstance(df, pd.DataFrame) or not need <= set(df.columns):
        raise TypeError(f"expected the DataFrame returned by report() with columns {sorted(need)}.")


def _direction(df, metric):
    """The frame's own ``better`` column (each Result's direction); else the registered direction."""
    if "better" in df.columns:
        return df.loc[df.metric == metric, "better"].iloc[0]
    name = registry.ALIASES.get(metric, metric)
    if name not in registry.METRICS:
        raise ValueError(f"metric {metric!r} is not registered; add a 'better' column ('lower'/'higher').")
    return registry.METRICS[name].better


def summary(df):
    """Mean +- standard error per method and metric, with the better direction.

    Returns:
        DataFrame indexed by (metric, method) with ``mean``, ``sem``, ``n`` (inputs with a value),
        ``better`` (``"lower"``/``"higher"``), ``rank`` (1 = best method for that metric) and
        ``text`` (e.g. ``"0.213 +- 0.012"``).
    """
    _check_frame(df)
    grouped = df.groupby(["metric", "method"], sort=False)["value"]
    table = pd.DataFrame({"mean": grouped.mean(), "sem": grouped.sem(), "n": grouped.count()})
    order = pd.MultiIndex.from_product([df["metric"].unique(), df["method"].unique()], names=["metric", "method"])
    table = table.reindex([key for key in order if key in table.index])
    table["better"] = [_direction(df, m) for m, _ in table.index]
    signed = np.where(table["better"] == "lower", table["mean"], -table["mean"])
    table["rank"] = pd.Series(signed, index=table.index).groupby(level="metric").rank(method="min").astype(int)
    table["text"] = [f"{m:.3g} +- {s:.2g}" for m, s in zip(table["mean"], table["sem"])]
    return table


def plot_report(df, ncols=4, size=3.0):
    """A grouped comparison chart of :func:`report`'s frame: one panel per metric, one bar per method.

    Bars show the mean over inputs with standard-error whiskers; each panel's title
    says which direction is better. Returns the matplotlib figure.

    Args:
        df: the DataFrame returned by :func:`report`.
        ncols: panels per row.
        size: inches per panel.
    """
    import matplotlib.pyplot as plt

    table = summary(df)
    metric_names = list(dict.fromkeys(table.index.get_level_values("metric")))
    methods = list(dict.fromkeys(df["method"]))
    colours = plt.get_cmap("tab10")
    ncols = min(ncols, len(metric_names))
    nrows = int(np.ceil(len(metric_names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax, metric in zip(axes.ravel(), metric_names):
        part = table.loc[metric].reindex(methods)
        ax.bar(
            range(len(methods)), part["mean"], yerr=part["sem"], color=[colours(i % 10) for i in range(len(methods))]
        )
        ax.set_xticks(range(len(methods)), methods, rotation=45, ha="right", fontsize=8)
        arrow = "lower" if part["better"].iloc[0] == "lower" else "higher"
        ax.set_title(f"{metric}\n({arrow} is better)", fontsize=9)
        ax.axhline(0, color="grey", lw=0.5)
    for ax in axes.ravel()[len(metric_names) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
