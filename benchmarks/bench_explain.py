"""Benchmark of xai_teach.explain: batching ratios measured side by side, and the cost of every method per call.

- ``lime_image`` (1,000 samples, mnist_cnn) against lime's own ``explain_instance`` with its
  defaults (batches of 10 through ``model.predict``; same grid superpixels, hide colour 0),
  and against one batched forward pass over 1,000 images: budgets >= 5x faster and <= 2x.
- ``lime_text`` and ``shap_text`` on imdb_transformer: seconds and model calls per review.
- ``saliency`` and ``integrated_gradients`` over 1,000 test digits in one call: the speed-up
  of one call over a Python loop of one-image calls (budget >= 10x), and the cost relative
  to one batched forward pass (budget <= 3x, per path point for IG: a gradient costs a
  forward and a backward pass).
- Every image explainer's time over the forward passes it needs on the same 200 digits
  (:func:`forward_ratio_rows`): gradient methods <= 3x per image, sample or path point,
  perturbation methods <= 1.5x their forward passes.
- Every method at its defaults on 10 digits / 1 review, after one warm-up call (tracing,
  numba compilation), with the notebook budgets where there is one.

Timings are wall-clock on a shared machine: each is the fastest of a few interleaved
repeats. Run ``python -m benchmarks.bench_explain`` (``--only ratios``: the forward-pass ratios only).
"""

import contextlib
import io
import time

import numpy as np

from benchmarks import row as _row
from xai_teach import data, explain, models  # imported first: sets TensorFlow's environment
from xai_teach import forward as fwd
from xai_teach.explain import _common
from xai_teach.explain.perturbation import segment

REPEATS = 3
N_GRADIENT = 1000
LOOP_IMAGES = 100  #: images in the one-call-per-image loop (its time is scaled up to N_GRADIENT)
BUDGETS = {  # seconds per call on 10 digits (images) or 1 review (text), from the notebook budgets
    "saliency": 1.0,
    "integrated_gradients": 1.0,
    "gradcam": 1.0,
    "lime_image": 10.0,  # well under 1 s per digit
    "shap_gradient": 5.0,
    "lime_text": 5.0,
    "shap_text": 5.0,
}


def _fastest(*fns, repeats=REPEATS):
    """The fastest wall time of each function over ``repeats`` interleaved rounds."""
    best = [np.inf] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


class _CountCalls:
    """Count the batched model calls the explainers make (through ``_common.forward``)."""

    def __enter__(self):
        self.calls, self._forward = 0, _common.forward

        def counted(*args, **kwargs):
            self.calls += 1
            return self._forward(*args, **kwargs)

        _common.forward = counted
        return self

    def __exit__(self, *exc):
        _common.forward = self._forward


def lime_rows(model, image):
    from lime.lime_image import LimeImageExplainer

    segments = segment(image)
    x1000 = np.repeat(image[None], 1000, axis=0)

    def ours():
        explain.lime_image(model, image, num_samples=1000)

    def lime_defaults():
        explainer = LimeImageExplainer(random_state=0)
        with contextlib.redirect_stderr(io.StringIO()):  # lime's own progress bar
            explainer.explain_instance(
                image[..., 0].astype(np.float64),
                lambda rgb: model.predict(rgb[..., :1], verbose=0),
                hide_color=0,
                num_samples=1000,
                segmentation_fn=lambda _: segments,
                random_seed=0,
            )

    def forward():
        _common.forward(model, x1000)

    ours(), lime_defaults(), forward()  # warm-up
    t_ours, t_lime, t_forward = _fastest(ours, lime_defaults, forward)
    bench = "lime_image, 1000 samples, one digit, mnist_cnn"
    speedup, overhead = t_lime / t_ours, t_ours / t_forward
    return [
        _row(bench, "xai_teach lime_image", round(t_ours, 3), "s"),
        _row(bench, "lime explain_instance defaults (batches of 10, model.predict)", round(t_lime, 3), "s"),
        _row(bench, "one batched forward pass over 1000 images", round(t_forward, 3), "s"),
        _row(bench, "speed-up over lime's defaults", round(speedup, 1), "x", ">= 5", speedup >= 5),
        _row(bench, "time / one batched forward pass", round(overhead, 2), "ratio", "<= 1.5", overhead <= 1.5),
    ]


def text_rows(model, reviews):
    rows = []
    for name in ("lime_text", "shap_text"):
        method = explain.METHODS[name]
        method(model, reviews[0])  # warm-up
        seconds = []
        with _CountCalls() as counter:
            for review in reviews:
                start = time.perf_counter()
                method(model, review)
                seconds.append(time.perf_counter() - start)
        bench = f"{name} at its defaults, imdb_transformer, {len(reviews)} reviews"
        per_review = float(np.median(seconds))
        words = np.mean([len(t) for t in explain.tokenize(model, reviews)])
        rows += [
            _row(
                bench,
                f"median time per review ({words:.0f} words on average)",
                round(per_review, 3),
                "s",
                f"<= {BUDGETS[name]}",
                per_review <= BUDGETS[name],
            ),
            _row(bench, "batched model calls per review", round(counter.calls / len(reviews), 1), "calls"),
        ]
    return rows


def gradient_rows(model, x):
    n = len(x)
    steps = 50

    def saliency():
        explain.saliency(model, x)

    def integrated():
        explain.integrated_gradients(model, x, steps=steps)

    def forward():
        _common.forward(model, x)

    def loop():  # the thing to avoid: one call per image
        for image in x[:LOOP_IMAGES]:
            explain.saliency(model, image)

    saliency(), integrated(), forward(), loop()  # warm-up
    t_sal, t_fwd, t_loop = _fastest(saliency, forward, loop)
    (t_ig,) = _fastest(integrated, repeats=1)
    bench = f"gradients over {n} test digits in one call, mnist_cnn"
    loop_ratio = t_loop * n / LOOP_IMAGES / t_sal
    sal_ratio = t_sal / t_fwd
    ig_ratio = t_ig / (steps + 1) / t_fwd
    return [
        _row(bench, "saliency, one call", round(t_sal, 3), "s"),
        _row(bench, f"integrated_gradients ({steps} steps), one call", round(t_ig, 2), "s"),
        _row(bench, "one batched forward pass", round(t_fwd, 3), "s"),
        _row(bench, "saliency / forward pass", round(sal_ratio, 2), "ratio", "<= 3", sal_ratio <= 3),
        _row(bench, "IG per path point / forward pass", round(ig_ratio, 2), "ratio", "<= 3", ig_ratio <= 3),
        _row(
            bench,
            "speed-up of one call over a loop of one-image calls",
            round(loop_ratio, 1),
            "x",
            ">= 10",
            loop_ratio >= 10,
        ),
    ]


N_RATIO = 200  #: digits explained in the forward-pass ratios
RATIO_REPEATS = 3  #: interleaved rounds of each explainer and its reference forward passes


def reference_forward(model, n_images, x):
    """The forward passes an explainer is measured against: the package's compiled batched forward.

    ``fwd.predict`` (the compiled ``predictor`` every explainer uses for its forward
    passes, default batch) over ``n_images`` images made of copies of ``x``: the same
    inputs, in the same batches as the explainer's own model calls.
    """
    images = np.resize(x, (int(round(n_images)),) + x.shape[1:])
    return lambda: fwd.predict(model, images)


def forward_ratio_rows(model, x, label="mnist_cnn", repeats=RATIO_REPEATS, budgets=True):
    """Each explainer's time over the forward passes it needs on the same digits, and its budget.

    The physical limit of a perturbation method is the forward passes it needs;
    of a gradient method one forward and one backward pass per image (per noisy
    copy, per path point). Budgets: saliency, gradient x input and Grad-CAM <= 3x
    a forward pass; SmoothGrad and integrated gradients <= 3x per sample or path
    point; occlusion, LIME, Score-CAM and the SHAP partition explainer <= 1.5x
    the forward passes over the images they evaluate. The reference is
    :func:`reference_forward` over exactly as many images as the method evaluates,
    timed in the same interleaved rounds (best of ``repeats``).

    ``budgets=False`` reports the ratios as informative: on ``mnist_linear`` a forward
    pass costs microseconds per image, so the ratio measures the fixed cost of the
    method's own work (LIME's and SHAP's surrogates, noise draws), not overhead on a
    forward pass that matters.
    """
    n = len(x)
    samples, steps, max_evals = 10, 50, 500
    cases = {  # name: (call, forward passes over n images it needs, budget)
        "saliency": (lambda: explain.saliency(model, x), 1, 3.0),
        "gradient_x_input": (lambda: explain.gradient_x_input(model, x), 1, 3.0),
        f"smoothgrad ({samples} samples)": (lambda: explain.smoothgrad(model, x, samples=samples), samples, 3.0),
        f"integrated_gradients ({steps} steps)": (
            lambda: explain.integrated_gradients(model, x, steps=steps),
            steps + 1,
            3.0,
        ),
        "occlusion (4x4, 49 patches)": (lambda: explain.occlusion(model, x), 49 + 1, 1.5),
        "lime_image (1000 samples, 1 digit)": (
            lambda: explain.lime_image(model, x[:1], num_samples=1000),
            1000 / n,
            1.5,
        ),
        f"shap_partition (max_evals {max_evals}, 2 digits)": (
            lambda: explain.shap_partition(model, x[:2], max_evals=max_evals),
            2 * max_evals / n,
            1.5,
        ),
    }
    if any(layer.name == "last_conv" for layer in model.layers):
        channels = model.get_layer("last_conv").output.shape[-1]
        cases["gradcam"] = (lambda: explain.gradcam(model, x), 1, 3.0)
        cases[f"scorecam ({channels} maps)"] = (lambda: explain.scorecam(model, x), channels + 1, 1.5)
    rows = []
    for name, (call, passes, budget) in cases.items():
        forward = reference_forward(model, passes * n, x)
        call(), forward()  # warm-up: tracing, numba compilation
        t_call, t_fwd = _fastest(call, forward, repeats=repeats)
        ratio = t_call / t_fwd
        rows.append(
            _row(
                f"time / forward passes needed, {n} digits, {label}",
                f"{name}: {t_call:.3f} s over {passes:g} x {n} images' forward ({t_fwd * 1000:.1f} ms)",
                round(ratio, 2),
                "ratio",
                f"<= {budget}" if budgets else "",
                ratio <= budget if budgets else None,
            )
        )
    return rows


def per_call_rows(cnn, linear, text_model, digits, labels, review):
    rows = []
    for name, method in explain.METHODS.items():
        if name in explain.TEXT_METHODS and name != "gradient_x_input":
            model, inputs, what = text_model, review, "1 review, imdb_transformer"
        elif name == "linear_weights":
            model, inputs, what = linear, None, "10 templates, mnist_linear"
        elif name == "activation_maximization":
            model, inputs, what = cnn, None, "10 classes, mnist_cnn"
        else:
            model, inputs, what = cnn, digits, "10 digits, mnist_cnn"
        targets = labels if name == "global_shap" else None  # one image per true class
        method(model, inputs, targets)  # warm-up: tracing, numba compilation
        (seconds,) = _fastest(lambda m=method, mo=model, i=inputs, t=targets: m(mo, i, t), repeats=2)
        budget = BUDGETS.get(name)
        rows.append(
            _row(
                f"{name} per call at defaults",
                what,
                round(seconds, 3),
                "s",
                f"<= {budget}" if budget else "",
                None if budget is None else seconds <= budget,
            )
        )
    return rows


def run():
    """Run the benchmark; one dict per measured number."""
    (_, _), (x_test, y_test) = data.load_mnist()
    (_, _), (texts, _) = data.load_imdb()
    cnn = models.load_pretrained("mnist_cnn")
    transformer = models.load_pretrained("imdb_transformer")
    idx = [int(np.flatnonzero(y_test == c)[0]) for c in range(10)]
    digits = x_test[idx]
    rows = lime_rows(cnn, digits[3])
    rows += text_rows(transformer, texts[:5])
    rows += gradient_rows(cnn, x_test[:N_GRADIENT])
    rows += forward_ratio_rows(cnn, x_test[:N_RATIO])
    rows += forward_ratio_rows(models.load_pretrained("mnist_linear"), x_test[:N_RATIO], "mnist_linear", budgets=False)
    rows += per_call_rows(cnn, models.load_pretrained("mnist_linear"), transformer, digits, y_test[idx], texts[0])
    return rows


def ratio_rows():
    """Only the time / forward-pass ratios, on mnist_cnn and mnist_linear (``--only ratios``)."""
    (_, _), (x_test, _) = data.load_mnist()
    rows = forward_ratio_rows(models.load_pretrained("mnist_cnn"), x_test[:N_RATIO])
    return rows + forward_ratio_rows(
        models.load_pretrained("mnist_linear"), x_test[:N_RATIO], "mnist_linear", budgets=False
    )


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("ratios",), help="run only the time / forward-pass ratios")
    args = parser.parse_args(argv)
    rows = ratio_rows() if args.only == "ratios" else run()
    widths = {key: max(len(key), *(len(str(r[key])) for r in rows)) for key in rows[0]}
    print("  ".join(key.ljust(widths[key]) for key in widths))
    for r in rows:
        print("  ".join(str(r[key]).ljust(widths[key]) for key in widths))


if __name__ == "__main__":
    main()
