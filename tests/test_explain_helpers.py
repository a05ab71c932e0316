"""Shared helpers of the explainer tests (no tests here): a linear model with known weights, fast settings."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: Settings that keep every method quick in contract tests (the defaults are tested for speed in the benchmark).
FAST = {
    "smoothgrad": {"samples": 4},
    "integrated_gradients": {"steps": 8},
    "occlusion": {"patch": 7},
    "lime_image": {"num_samples": 100},
    "shap_gradient": {"nsamples": 16, "background_size": 20},
    "shap_deep": {"background_size": 20},
    "shap_partition": {"max_evals": 100},
    "lime_text": {"num_samples": 100},
    "shap_text": {"max_evals": 60},
    "activation_maximization": {"steps": 5},
    "global_shap": {"nsamples": 8, "background_size": 10},
}


def linear_model(seed=0, classes=10):
    """A softmax-free linear model ``logits = W x + b`` as a Keras ``Sequential`` (no layer named ``logits``).

    Returns ``(model, W (784, classes), b (classes,))``. Sequential on purpose: the
    explainers must accept it although tf-keras-vis cannot read Keras 3 Sequential models.
    """
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.1, (784, classes)).astype(np.float32)
    b = rng.normal(0.0, 0.1, classes).astype(np.float32)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(classes)])
    model.set_weights([w, b])
    return model, w, b


def linear_logits(w, b, x, targets):
    """``W[:, t_i] . x_i + b[t_i]`` for every image i."""
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return (flat * w[:, targets].T).sum(1) + b[targets]


def run_python(code, timeout=300):
    """Run ``code`` in a fresh Python process (for shap's DeepExplainer, which can corrupt TF's gradients).

    The code must print one JSON object on its last line of output; it is returned parsed.
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise AssertionError(f"subprocess failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
