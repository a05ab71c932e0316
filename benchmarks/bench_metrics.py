"""Benchmark of xai_teach.metrics: deletion AUC for 100 digits x 5 explainers on mnist_cnn.

Reports the AUC per explainer (each should beat a random attribution) and the
ratio of the metric's wall time to the time of the same number of batched
forward passes run alone: the metric should cost little more than its model
calls (budget <= 1.5). Also times the label-randomisation sanity check (training
a model on shuffled labels). Run ``python benchmarks/bench_metrics.py``.
"""

import time

import numpy as np

from benchmarks import row as _row
from xai_teach import data, explain, metrics, models  # imported first: sets TensorFlow's environment
from xai_teach.explain import Attribution
from xai_teach.metrics import _common

N_IMAGES = 100
STEPS = 28
REPEATS = 5  #: interleaved timings of metric and forward passes; the fastest of each counts
RATIO_BUDGET = 1.5
REAL_METHODS = ("saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "gradcam")


def _gradients(model, x, targets):
    import tensorflow as tf  # after xai_teach, which sets TensorFlow's environment

    logits = models.logits_model(model)
    x = tf.convert_to_tensor(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        chosen = tf.gather(logits(x, training=False), targets, batch_dims=1)
    return tape.gradient(chosen, x).numpy()[..., 0]


def _inline_explainers():
    """Simple stand-ins used when xai_teach.explain's methods are not available."""

    def saliency(model, x, targets=None):
        return Attribution(np.abs(_gradients(model, x, targets)), x, targets, "saliency")

    def gradient_x_input(model, x, targets=None):
        return Attribution(_gradients(model, x, targets) * x[..., 0], x, targets, "gradient_x_input")

    def smoothgrad(model, x, targets=None, samples=16, sigma=0.15):
        rng = np.random.default_rng(0)
        noisy = np.concatenate([x + rng.normal(0, sigma, x.shape).astype(np.float32) for _ in range(samples)])
        grads = _gradients(model, noisy, np.tile(targets, samples)).reshape((samples,) + x.shape[:3])
        return Attribution(np.abs(grads).mean(axis=0), x, targets, "smoothgrad")

    def integrated_gradients(model, x, targets=None, steps=32):
        alphas = (np.arange(steps) + 0.5) / steps  # midpoint rule along the straight path from black
        path = np.concatenate([a * x for a in alphas]).astype(np.float32)
        grads = _gradients(model, path, np.tile(targets, steps)).reshape((steps,) + x.shape[:3])
        return Attribution(grads.mean(axis=0) * x[..., 0], x, targets, "integrated_gradients")

    def random(model, x, targets=None):
        return Attribution(np.random.default_rng(0).normal(size=x.shape[:3]), x, targets, "random")

    return {f.__name__: f for f in (saliency, gradient_x_input, smoothgrad, integrated_gradients, random)}


def explainers():
    """Five explainers: the package's own when they exist, else the inline stand-ins."""
    if all(hasattr(explain, name) for name in REAL_METHODS):
        return {name: getattr(explain, name) for name in REAL_METHODS}
    return _inline_explainers()


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _deletion_rows(model, x):
    targets = np.argmax(_common.forward(model, x), axis=1)
    attributions = {name: fn(model, x, targets) for name, fn in explainers().items()}
    passes = len(attributions) * (STEPS + 1)

    def run_metric():
        return [metrics.deletion(model, x, a, steps=STEPS) for a in attributions.values()]

    def run_forward():  # the metric's model calls alone: same count, same batch shape
        for _ in range(passes):
            _common.forward(model, x)

    results = run_metric()  # warm-up: traces the compiled forward pass once
    metric_s, forward_s = [], []
    for _ in range(REPEATS):  # interleaved, so that load from other processes hits both alike
        metric_s.append(_seconds(run_metric))
        forward_s.append(_seconds(run_forward))
    metric_s, forward_s = min(metric_s), min(forward_s)
    ratio = metric_s / forward_s
    bench = f"deletion AUC, {len(x)} images x {len(attributions)} explainers, mnist_cnn"
    aucs = {name: r.mean for name, r in zip(attributions, results)}
    rows = []
    for name, auc in aucs.items():
        if name == "random" or "random" not in aucs:
            rows.append(_row(bench, f"AUC {name}", round(auc, 4), "AUC"))
        else:
            ok = bool(auc < aucs["random"])
            rows.append(_row(bench, f"AUC {name}", round(auc, 4), "AUC", f"< random {aucs['random']:.3f}", ok))
    return rows + [
        _row(bench, "metric wall time", round(metric_s, 3), "s"),
        _row(bench, f"{passes} batched forward passes alone", round(forward_s, 3), "s"),
        _row(bench, "metric time / forward-pass time", round(ratio, 3), "ratio", f"<= {RATIO_BUDGET}", ratio <= 1.5),
    ]


def _label_randomisation_rows(x, train, epochs=5):
    saliency = explainers()["saliency"]
    rows = []
    for name in ("mnist_linear", "mnist_cnn"):
        model = models.load_pretrained(name)
        result = metrics.label_randomisation(model, x[:20], saliency, train=train, epochs=epochs, random_state=0)
        bench = f"label randomisation, {name}, {len(train[0])} images x {epochs} epochs"
        similarity = result.summary().loc["shuffled_labels"]
        rows += [
            _row(bench, "training time", round(result.info["train_seconds"], 2), "s"),
            _row(bench, "train accuracy on shuffled labels", round(result.info["train_accuracy"], 3), "fraction"),
            _row(bench, "spearman |saliency|, original vs shuffled", round(similarity["spearman_abs"], 3), "rho"),
            _row(bench, "ssim |saliency|, original vs shuffled", round(similarity["ssim"], 3), "ssim"),
        ]
    return rows


def run():
    """Run the benchmark; one dict per measured number."""
    (x_train, y_train), (x_test, _) = data.load_mnist()
    model = models.load_pretrained("mnist_cnn")
    x = x_test[:N_IMAGES]
    return _deletion_rows(model, x) + _label_randomisation_rows(x, (x_train, y_train))


def main():
    rows = run()
    widths = {key: max(len(key), *(len(str(r[key])) for r in rows)) for key in rows[0]}
    print("  ".join(key.ljust(widths[key]) for key in widths))
    for r in rows:
        print("  ".join(str("" if r[key] is None else r[key]).ljust(widths[key]) for key in widths))


if __name__ == "__main__":
    main()
