"""Side by side with Xplique 2.0.2 (DEEL): the same models, digits and settings; maps compared, time ratios.

Not a test and not a dependency of the package or CI. Xplique 2.0.2 caps scipy,
scikit-learn and scikit-image below this project's pins, so it runs in its own
virtual environment, which this script can create (Python 3.11, PyPI reachable)::

    python benchmarks/bench_xplique.py --setup        # creates .venv-xplique (git-ignored), installs Xplique
    .venv-xplique/bin/python benchmarks/bench_xplique.py [--n 128] [--repeats 3]

``--setup`` installs ``xplique==2.0.2`` with TensorFlow 2.20 and numpy 2.1.3 and
this package's runtime dependencies (pip resolves scipy 1.15, scikit-learn 1.7
and scikit-image 0.25 under Xplique's caps); the package itself is imported from
this checkout (``PYTHONPATH``), never installed there.

Matched settings, on the shipped ``mnist_linear`` and ``mnist_cnn`` and the first
``n`` test digits (LIME: the first ``n_lime``), each explained for the class the model predicts:

- Xplique's ``output_layer`` argument is ignored in 2.0.2, so it gets the logits
  sub-model (``models.logits_model``) for the gradient methods and occlusion, and
  the full model (probabilities) for LIME; xai_teach runs with ``output="logits"``
  (LIME: ``"probs"``).
- Saliency: Xplique takes |gradient|, so xai_teach runs with ``absolute=True``.
- Integrated gradients: Xplique's ``steps`` counts path points, xai_teach's
  intervals: Xplique ``steps=51`` is xai_teach ``steps=50`` (both trapezoid rule, baseline 0).
- SmoothGrad: 50 samples; Xplique's noise is an absolute standard deviation 0.2,
  xai_teach's 0.2 x (max - min) of each digit (the same for digits spanning [0, 1]);
  noise draws differ, so maps agree only up to seed-to-seed noise, reported next to it.
- Grad-CAM on ``last_conv`` (CNN only); the two upsample the 14x14 map differently
  (Xplique bicubic, tf-keras-vis and xai_teach linear), so the agreement compares like with
  like: the two 14x14 maps before upsampling (Xplique's from its own ``_gradient``,
  ``_compute_weights`` and ``_apply_weights``); the note gives the 28x28 maps' agreement.
- Occlusion: 4x4 patches, stride 4, black (0) patches.
- LIME: 1,000 samples, the same 4x4 grid of superpixels, hidden superpixels black;
  kernels and surrogates differ (Xplique: euclidean kernel of width 45 and Ridge(alpha=2);
  lime: cosine kernel 0.25 and Ridge(alpha=1)), so maps agree up to seed-to-seed noise.

Xplique runs at xai_teach's own default batch (``forward.BATCH["images"]``, 256 images per model call;
faster than its default 32), so both libraries call the model on batches of the same size. Times are the
fastest of ``--repeats`` interleaved rounds after a warm-up call; the agreement is the
mean over digits of the Pearson correlation of the two maps.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-xplique"
REQUIREMENTS = [
    "xplique==2.0.2",
    "tensorflow==2.20.0",
    "numpy==2.1.3",
    "shap>=0.46",
    "lime>=0.2.0.1",
    "tf-keras-vis>=0.8.7",
    "opencv-python-headless>=4.8",
    "tqdm",
    "pandas",
    "matplotlib",
    "ipywidgets>=7.7",
    "numba",
]


def setup():
    """Create ``.venv-xplique`` with Python 3.11 and install Xplique and this package's dependencies."""
    if not (VENV / "bin" / "python").exists():
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    print(f"ready: {VENV / 'bin' / 'python'} {Path(__file__).relative_to(ROOT)}")


def _fastest(fns, repeats):
    best = {name: float("inf") for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _pearson(a, b):
    import numpy as np

    a = a.reshape(len(a), -1) - a.reshape(len(a), -1).mean(1, keepdims=True)
    b = b.reshape(len(b), -1) - b.reshape(len(b), -1).mean(1, keepdims=True)
    den = np.sqrt((a * a).sum(1) * (b * b).sum(1))
    ok = den > 0
    return float(np.mean((a * b).sum(1)[ok] / den[ok]))


def _grid_labels(grid, single_input):
    """Xplique calls the map once per input and wants its (28, 28) superpixel labels."""
    import tensorflow as tf

    return tf.constant(grid, tf.int32)


def _values(method, *args, **kwargs):
    return method(*args, **kwargs).values


def _gradcam_maps(model, logits, x, targets, onehot):
    """Both libraries' Grad-CAM maps on ``last_conv`` (14x14) before upsampling: xai_teach's, Xplique's."""
    import tensorflow as tf
    from xplique.attributions import GradCAM

    from xai_teach.explain import cams

    ours = cams._gradcam_function(model, "logits", "last_conv")(tf.constant(x), tf.constant(targets, tf.int64))
    explainer = GradCAM(logits, batch_size=len(x), conv_layer="last_conv")
    maps, grads = explainer._gradient(tf.constant(x), tf.constant(onehot))
    theirs = GradCAM._apply_weights(explainer._compute_weights(grads, maps), maps)
    return ours.numpy(), tf.reshape(theirs, ours.shape).numpy()


def run(n=128, repeats=3, n_lime=16, only=None):
    """One row per model and method: agreement of the maps and the time ratio xai_teach / Xplique."""
    sys.path.insert(0, str(ROOT))
    from functools import partial

    import numpy as np
    import xplique
    from xplique.attributions import (
        GradCAM,
        GradientInput,
        IntegratedGradients,
        Lime,
        Occlusion,
        Saliency,
        SmoothGrad,
    )

    from xai_teach import data, explain, forward, models
    from xai_teach.explain.perturbation import segment

    (_, _), (x_test, _) = data.load_mnist()
    x = x_test[:n]
    batch = forward.BATCH["images"]  # the same model-call batch for both libraries
    rows = []
    for name in ("mnist_linear", "mnist_cnn"):
        model = models.load_pretrained(name)
        logits = models.logits_model(model)
        targets = forward.predict(model, x).argmax(1)
        onehot = np.eye(10, dtype=np.float32)[targets]
        grid = segment(x[0])  # the same 4x4 grid for every digit

        xl, tl, onehot_l = x[:n_lime], targets[:n_lime], onehot[:n_lime]

        def lime_ours(seed, model=model, xl=xl, tl=tl):
            return explain.lime_image(model, xl, tl, num_samples=1000, random_state=seed).values

        lime_xplique = Lime(
            model,
            batch_size=batch,
            nb_samples=1000,
            map_to_interpret_space=partial(_grid_labels, grid),
            ref_value=np.zeros(1, np.float32),
        )
        methods = {
            "saliency": (
                partial(explain.saliency, model, x, targets, absolute=True),
                partial(Saliency(logits, batch_size=batch).explain, x, onehot),
                None,
            ),
            "gradient x input": (
                partial(explain.gradient_x_input, model, x, targets),
                partial(GradientInput(logits, batch_size=batch).explain, x, onehot),
                None,
            ),
            "integrated gradients, 50 intervals": (
                partial(explain.integrated_gradients, model, x, targets, steps=50),
                partial(IntegratedGradients(logits, batch_size=batch, steps=51).explain, x, onehot),
                None,
            ),
            "SmoothGrad, 50 samples": (
                partial(explain.smoothgrad, model, x, targets, samples=50),
                partial(SmoothGrad(logits, batch_size=batch, nb_samples=50, noise=0.2).explain, x, onehot),
                partial(_values, explain.smoothgrad, model, x, targets, samples=50, random_state=1),
            ),
            "occlusion 4x4": (
                partial(explain.occlusion, model, x, targets, patch=4, output="logits"),
                partial(Occlusion(logits, batch_size=batch, patch_size=4, patch_stride=4).explain, x, onehot),
                None,
            ),
            f"LIME, 1000 samples ({n_lime} digits)": (
                partial(lime_ours, 0),
                partial(lime_xplique.explain, xl, onehot_l),
                partial(lime_ours, 1),
            ),
        }
        if name == "mnist_cnn":
            methods["Grad-CAM"] = (
                partial(explain.gradcam, model, x, targets),
                partial(GradCAM(logits, batch_size=batch, conv_layer="last_conv").explain, x, onehot),
                None,
            )
        for method, (ours, theirs, again) in methods.items():
            if only and not any(word.lower() in method.lower() for word in only):
                continue
            a = ours()
            a = a.values if hasattr(a, "values") else a
            b = np.asarray(theirs()).reshape(a.shape)
            agreement = _pearson(a, b)
            note = ""
            if again is not None:
                note = f"seed-to-seed (xai_teach, random_state 0 vs 1): {_pearson(a, np.asarray(again())):.3f}"
            if method == "Grad-CAM":
                # Like with like: the two 14x14 maps before either library upsamples them.
                note = f"28x28 maps (linear vs bicubic upsampling): {agreement:.4f}"
                agreement = _pearson(*_gradcam_maps(model, logits, x, targets, onehot))
            times = _fastest({"ours": ours, "theirs": theirs}, repeats)
            rows.append(
                {
                    "model": name,
                    "method": method,
                    "correlation": round(agreement, 4),
                    "note": note,
                    "xai_teach_s": round(times["ours"], 3),
                    "xplique_s": round(times["theirs"], 3),
                    "ratio": round(times["ours"] / times["theirs"], 2),
                }
            )
            print(rows[-1], flush=True)
    versions = f"Xplique {xplique.__version__}, TensorFlow {__import__('tensorflow').__version__}"
    return rows, versions


def markdown(rows, versions, n, repeats):
    lines = [
        f"{n} test digits, predicted class; {versions}; fastest of {repeats} interleaved rounds.",
        "",
        "| model | method | map correlation | note | xai_teach s | Xplique s | time xai_teach / Xplique |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['method']} | {r['correlation']} | {r['note']} | {r['xai_teach_s']} | "
            f"{r['xplique_s']} | {r['ratio']} |"
        )
    worst = max(r["ratio"] for r in rows)
    lines += ["", f"Largest ratio: {worst} ({'all <= 1.0' if worst <= 1.0 else 'not all <= 1.0'})."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help="create .venv-xplique and install Xplique there")
    parser.add_argument("--n", type=int, default=128, help="test digits to explain")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--n-lime", type=int, default=16, help="digits for LIME (minutes per 100 digits on 2 cores)")
    parser.add_argument("--out", type=Path, help="also write the markdown table to this file")
    parser.add_argument("--only", nargs="*", help="run only the methods whose name contains one of these words")
    args = parser.parse_args(argv)
    if args.setup:
        setup()
        return
    os.environ.setdefault("XAI_TEACH_PROGRESS", "0")
    rows, versions = run(args.n, args.repeats, args.n_lime, args.only)
    text = markdown(rows, versions, args.n, args.repeats)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
