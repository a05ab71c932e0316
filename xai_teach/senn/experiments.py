r"""What makes a SENN stable? Experiments that separate the architecture from the robustness regulariser.

The SENN chapter asks whether SENN's stable relevances come from its *design* (a linear
aggregator over a few concepts) or from the robustness penalty weighted by :math:`\lambda`.
This module holds the pieces that answer it:

=================================================  ==========================================================
call                                               what it gives
=================================================  ==========================================================
``loss_terms(model, x, y)``                        cross-entropy, penalty, reconstruction and sparsity, apart
``fit_recording(model, x, y, probe=...)``          ``senn.fit`` with the four terms recorded after every epoch
``train_variant(robustness, seed)``                ``(model, card, history)``: a SENN that differs only in lambda
``load_variant(name)``                             a shipped variant (``mnist_senn_lambda0``, ``..._lambda1``)
``load_lambda_seeds()``                            the shipped sweep over lambda x seeds (``scripts/senn_lambda_sweep.py``)
``lipschitz_max(model, x, ...)``                   the paper's estimate: max over the eps-ball, unnormalised,
                                                   by projected gradient ascent (or the best of many samples)
``concept_removal(model, x, baseline)``            set h_i to a baseline, drop in class probability vs theta_i
``sweep_summary(table)``                           mean, standard deviation and range per lambda
=================================================  ==========================================================
"""

import time

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from .. import cards, checks, forward
from .. import data as datasets
from ..integrity import ASSETS, asset_path
from .explanation import outputs, positive_int
from .model import build, check_senn, penalty_norm, penalty_terms
from .training import BATCH_SIZE, EPOCHS, LEARNING_RATE, accuracy, robustness_penalty

VARIANTS = {"mnist_senn_lambda0": 0.0, "mnist_senn": 1e-4, "mnist_senn_lambda1": 1.0}  #: name -> lambda
SEEDS_FILE = "models/senn_lambda_seeds.csv"  #: lambda x seed sweep written by scripts/senn_lambda_sweep.py --seeds
RUNS_FILE = "models/senn_lambda_seeds_runs.json"  #: wall time of each run of that script that trained models
SWEEP_LAMBDAS = (0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  #: the lambdas of the multi-seed sweep


def loss_terms(model, x, y, batch_size=250):
    r"""The SENN loss terms on ``(x, y)``, each averaged over the inputs, **with the concept loss split**.

    Returns a dict of floats: ``cross_entropy``, ``robustness_penalty``
    (:math:`\lVert \nabla_x f - \theta^\top J_x h \rVert_F`, computed whatever lambda is),
    ``reconstruction`` (:math:`\lVert x - \hat x \rVert_2^2`, summed over pixels) and
    ``sparsity`` (:math:`\lVert h(x) \rVert_1`), and ``accuracy``. The training loss is
    ``cross_entropy + lambda * robustness_penalty + xi * (reconstruction + s * sparsity)``.
    """
    check_senn(model)
    x = checks.image_batch(x)
    y = np.asarray(y)
    if y.shape != (len(x),):
        raise ValueError(f"y must hold one label per image ({len(x)}), got shape {y.shape}.")
    step = _terms_function(model)
    sums = dict.fromkeys(("cross_entropy", "robustness_penalty", "reconstruction", "sparsity", "accuracy"), 0.0)
    for i in range(0, len(x), batch_size):
        yb = y[i : i + batch_size].astype(np.int64)
        for key, value in zip(sums, step(tf.constant(x[i : i + batch_size]), tf.constant(yb))):
            sums[key] += float(value)
    return {k: v / len(x) for k, v in sums.items()}


def _terms_function(model):
    """One compiled function per model (kept in :func:`xai_teach.forward.compiled`'s cache): a batch -> the sums
    of the five terms over the batch."""

    def build():
        decoder = model.decoder

        def sums(x, y):
            h, _, z, residual = penalty_terms(model, x, training=False, penalty=True)
            ce = keras.losses.sparse_categorical_crossentropy(y, z, from_logits=True)
            hits = tf.cast(tf.equal(tf.argmax(z, axis=1), y), tf.float32)
            recon = tf.zeros(()) if decoder is None else tf.reduce_sum(tf.square(x - decoder(h, training=False)))
            return (
                tf.reduce_sum(ce),
                tf.reduce_sum(penalty_norm(residual)),
                recon,
                tf.reduce_sum(tf.abs(h)),
                tf.reduce_sum(hits),
            )

        spec = [tf.TensorSpec((None, 28, 28, 1), tf.float32), tf.TensorSpec((None,), tf.int64)]
        return tf.function(sums, input_signature=spec, autograph=False)

    return forward.compiled(model, "senn_loss_terms", build)


def reconstructions(model, x):
    r"""The decoder's reconstruction :math:`\hat x = d(h(x))` of images ``x``: (n, 28, 28, 1)."""
    check_senn(model)
    if model.decoder is None:
        raise ValueError("This SENN has no decoder (kind='pixels'); only learned concepts are reconstructed.")
    h = outputs(model, x)["concepts"]
    return np.asarray(model.decoder(tf.constant(h), training=False))


class _TermsPerEpoch(keras.callbacks.Callback):
    """After every epoch, the four loss terms on a fixed probe batch."""

    def __init__(self, probe):
        super().__init__()
        self.probe, self.rows = probe, []

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append({"epoch": epoch + 1, **loss_terms(self.model, *self.probe)})


def fit_recording(model, x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, seed=0, probe=None):
    """Train like :func:`xai_teach.senn.fit` (same optimiser, schedule and batches) and record the loss terms.

    Returns a DataFrame, one row per epoch, of :func:`loss_terms` on ``probe = (x, y)``
    (default: 256 training images spread over the set, which is sorted by class), so reconstruction and sparsity are seen apart.
    """
    check_senn(model)
    x = checks.image_batch(x, "x")
    y = np.asarray(y).astype(np.int64)
    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    probe = (x[:: max(1, len(x) // 256)][:256], y[:: max(1, len(x) // 256)][:256]) if probe is None else probe
    steps = epochs * int(np.ceil(len(y) / batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, steps)), jit_compile=False
    )
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    recorder = _TermsPerEpoch(probe)
    model.fit(ds.batch(batch_size).prefetch(2), epochs=epochs, verbose=0, callbacks=[recorder])
    return pd.DataFrame(recorder.rows)


def train_variant(robustness, seed=0, epochs=EPOCHS, data=None):
    """A SENN trained exactly as the shipped ``mnist_senn`` except for lambda: ``(model, card, history)``."""
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist() if data is None else data
    model = build(kind="concepts", k=5, robustness=robustness, seed=seed)
    start = time.perf_counter()
    history = fit_recording(model, x_train, y_train, epochs=epochs, seed=seed)
    seconds = time.perf_counter() - start
    test = loss_terms(model, x_test[:1000], y_test[:1000])
    facts = {
        "kind": "concepts",
        "concepts": model.concept_count,
        "data": f"embedded mnist: {len(y_train)} training digits; tested on {len(y_test)} held-out digits",
        "epochs": epochs,
        "batch_size": BATCH_SIZE,
        "optimizer": "Adam, learning rate cosine-decayed to 0",
        "learning_rate": LEARNING_RATE,
        "robustness_lambda": float(robustness),
        "xi": model.xi,
        "sparsity": model.sparsity,
        "seed": seed,
        "test_accuracy": round(accuracy(model, x_test, y_test), 4),
        "robustness_penalty_test": round(float(np.mean(robustness_penalty(model, x_test[:1000]))), 4),
        "reconstruction_test": round(test["reconstruction"], 4),
        "sparsity_test": round(test["sparsity"], 4),
        "training_seconds": round(seconds, 1),
        "history": history.round(5).to_dict(orient="list"),
        "notes": "Identical to mnist_senn (same seed, data, batches, schedule, xi) except the robustness weight "
        "lambda; trained by scripts/senn_lambda_sweep.py --variants. Test terms on the first 1000 test digits.",
    }
    return model, cards.card(None, model, facts, architecture=False), history


def save_variant(name, model, card):
    """Write a variant's weights and card into the package and record both in the manifest."""
    if name not in VARIANTS or name == "mnist_senn":
        raise ValueError(f"name must be one of {sorted(set(VARIANTS) - {'mnist_senn'})}, got {name!r}.")
    card = {**card, "name": name}
    model.compile(jit_compile=False)  # drop the optimizer state
    path = ASSETS / "models" / f"{name}.keras"
    model.save(path)
    cards.save(name, card, [path])


def load_variant(name):
    """The shipped SENN ``name`` (one of :data:`VARIANTS`), checksum-verified, in safe mode."""
    if name not in VARIANTS:
        raise ValueError(f"name must be one of {sorted(VARIANTS)}, got {name!r}.")
    return keras.models.load_model(asset_path(f"models/{name}.keras"), compile=False, safe_mode=True)


def variant_card(name):
    """The model card of a shipped variant."""
    if name not in VARIANTS:
        raise ValueError(f"name must be one of {sorted(VARIANTS)}, got {name!r}.")
    return cards.read(name)


def load_lambda_seeds():
    """The shipped lambda x seed sweep: one row per trained SENN."""
    return pd.read_csv(asset_path(SEEDS_FILE))


def sweep_summary(table, column="test_accuracy"):
    """Mean, standard deviation, min, max and number of seeds of ``column`` per lambda."""
    if column not in table:
        raise ValueError(f"column must be one of {list(table.columns)}, got {column!r}.")
    return table.groupby("lambda")[column].agg(["mean", "std", "min", "max", "count"])


# --------------------------------------------------------------------------- the paper's Lipschitz estimate


def lipschitz_max(model, inputs, targets=None, epsilon=0.1, n_samples=20, steps=10, random_state=0):
    r"""The paper's local Lipschitz estimate of the SENN relevances: **unnormalised, maximised** over the ball.

    .. math:: \hat L(x) = \max_{x' \in B_\epsilon(x)} \frac{\lVert \theta_{\cdot c}(x) - \theta_{\cdot c}(x') \rVert_2}
              {\lVert x - x' \rVert_2}

    The search starts from the best of ``n_samples`` uniform draws of the L-inf ball (those of
    :func:`xai_teach.metrics.stability.perturb`) and takes ``steps`` steps of projected gradient
    ascent on the ratio (signed gradient, step ``epsilon / 4``, projected back onto the ball and
    [0, 1]); the best ratio seen is kept, so the result is never below the sampled estimate with
    the same draws. ``steps=0`` gives the best of the samples. **Lower is better.**

    Returns:
        (n,) estimates.
    """
    from ..metrics.stability import perturb

    check_senn(model)
    x = checks.image_batch(inputs)
    n_samples = positive_int(n_samples, "n_samples", high=1000)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}.")
    out = outputs(model, x)
    t = out["probs"].argmax(1) if targets is None else np.asarray(targets, dtype=int)
    theta0 = out["relevances"][np.arange(len(x)), :, t].astype(np.float64)  # (n, k)
    relevance_net = model.get_layer("relevances")

    def ratios(xp, theta_p):
        de = np.linalg.norm(theta_p - theta0, axis=1)
        dx = np.linalg.norm((xp - x).reshape(len(x), -1), axis=1)
        return np.where(dx > 0, de / np.where(dx > 0, dx, 1.0), 0.0)

    xs = perturb(x, float(epsilon), n_samples, random_state)  # (n, s, 28, 28, 1)
    th = outputs(model, xs.reshape((-1,) + x.shape[1:]))["relevances"].reshape(len(x), n_samples, -1, 10)
    th = th[np.arange(len(x)), :, :, t].astype(np.float64)  # (n, s, k)
    sampled = np.stack([ratios(xs[:, j], th[:, j]) for j in range(n_samples)], axis=1)
    best = sampled.max(axis=1)
    xp = xs[np.arange(len(x)), sampled.argmax(axis=1)].copy()
    onehot = tf.one_hot(t, 10, dtype=tf.float32)[:, None, :]  # picks theta[:, :, c]
    theta0_t, x_t = tf.constant(theta0, tf.float32), tf.constant(x)
    for _ in range(steps):
        xv = tf.constant(xp)
        with tf.GradientTape() as tape:
            tape.watch(xv)
            theta_c = tf.reduce_sum(relevance_net(xv, training=False) * onehot, axis=2)
            de = tf.norm(theta_c - theta0_t + 1e-12, axis=1)
            dx = tf.norm(tf.reshape(xv - x_t, (len(x), -1)) + 1e-12, axis=1)
            objective = tf.reduce_sum(de / dx)
        step = np.sign(tape.gradient(objective, xv).numpy()) * (epsilon / 4)
        xp = np.clip(np.clip(xp + step, x - epsilon, x + epsilon), 0.0, 1.0).astype(np.float32)
        theta_p = outputs(model, xp)["relevances"][np.arange(len(x)), :, t].astype(np.float64)
        best = np.maximum(best, ratios(xp, theta_p))
    return best


# --------------------------------------------------------------------------- faithfulness by concept removal


def concept_removal(model, inputs, baseline=None, targets=None):
    r"""The paper's faithfulness test: set each concept :math:`h_i` to a baseline and correlate the drop with :math:`\theta_i`.

    For every input and concept i, the logits are recomputed with :math:`h_i(x)` replaced by
    ``baseline[i]`` (the relevances :math:`\theta(x)` stay those of x, since they depend on x,
    not on h): :math:`z'_c = z_c - \theta_{ic}(x)\,(h_i(x) - b_i)`. The drop is the fall of the
    probability of the explained class c, and the score per input is the Pearson correlation
    over the k concepts between :math:`\theta_{ic}(x)` and the drop. **Higher is better.**

    Args:
        model: a SENN.
        inputs: images (n, 28, 28[, 1]).
        baseline: (k,) value each concept is set to; None: 0 (concept switched off).
        targets: class per input; None explains the predicted class.

    Returns:
        dict with ``correlation`` (n,), ``drops`` (n, k), ``theta`` (n, k) and ``targets`` (n,).
    """
    check_senn(model)
    out = outputs(model, inputs)
    h, theta, z = out["concepts"].astype(np.float64), out["relevances"].astype(np.float64), out["logits"]
    n, k = h.shape
    b = np.zeros(k) if baseline is None else np.asarray(baseline, dtype=np.float64).ravel()
    if b.shape != (k,) or not np.all(np.isfinite(b)):
        raise ValueError(f"baseline must hold one finite value per concept ({k}), got shape {np.shape(baseline)}.")
    t = z.argmax(1) if targets is None else np.asarray(targets, dtype=int)
    rows = np.arange(n)
    removed = z[:, None, :].astype(np.float64) - theta * (h - b)[:, :, None]  # (n, k, 10)

    def softmax(v):
        e = np.exp(v - v.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    drops = softmax(z.astype(np.float64))[rows, t][:, None] - softmax(removed)[rows, :, t]
    theta_c = theta[rows, :, t]
    a = theta_c - theta_c.mean(1, keepdims=True)
    d = drops - drops.mean(1, keepdims=True)
    den = np.sqrt((a * a).sum(1) * (d * d).sum(1))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where(den > 0, (a * d).sum(1) / np.where(den > 0, den, 1.0), np.nan)
    return {"correlation": corr, "drops": drops, "theta": theta_c, "targets": t}


# --------------------------------------------------------------------------- SHAP with one draw for x and x'


def shared_draw_shap(background, nsamples=100, random_state=0, output="logits"):
    r"""An ``explain_fn`` computing SHAP's expected gradients with **one** draw shared by every input.

    shap's ``GradientExplainer`` draws, for each input, ``nsamples`` pairs of a background image
    :math:`b_k` and a point :math:`\alpha_k \sim U(0, 1)` and averages
    :math:`\nabla f_c(b_k + \alpha_k (x - b_k)) \odot (x - b_k)`. Inside one call every input gets
    fresh draws, so two nearby inputs differ by sampling noise as well as by the input.
    This explainer draws the pairs once (seeded) and uses them for every input: the difference
    between the explanations of x and x' then comes from the input alone.
    """
    from ..explain import Attribution

    output = forward.check_output(output)
    bg = checks.image_batch(background, "background")
    nsamples = positive_int(nsamples, "nsamples", high=100_000)
    rng = np.random.default_rng(random_state)
    idx, alpha = rng.integers(0, len(bg), nsamples), rng.uniform(0, 1, nsamples).astype(np.float32)
    refs = tf.constant(bg[idx])
    alpha_t = tf.constant(alpha.reshape(-1, 1, 1, 1))

    def explain_fn(model, inputs, targets=None):
        x = checks.image_batch(inputs)
        net = forward.head(model, output)
        t = np.asarray(net([tf.constant(x)], training=False)).argmax(1) if targets is None else np.asarray(targets)
        values = []
        for j in range(0, len(x), 10):  # 10 inputs x nsamples points per gradient call
            xj = tf.constant(x[j : j + 10])[:, None]  # (m, 1, 28, 28, 1)
            points = tf.reshape(refs[None] + alpha_t[None] * (xj - refs[None]), (-1, 28, 28, 1))
            onehot = tf.repeat(tf.one_hot(t[j : j + 10], 10), nsamples, axis=0)
            with tf.GradientTape() as tape:
                tape.watch(points)
                picked = tf.reduce_sum(net([points], training=False) * onehot)
            grads = tf.reshape(tape.gradient(picked, points), (-1, nsamples, 28, 28, 1))
            values.append(tf.reduce_mean(grads * (xj - refs[None]), axis=1).numpy())
        values = np.concatenate(values).astype(np.float64)
        return Attribution(values[..., 0], x, t.astype(int), "shap_shared_draw", {"nsamples": nsamples})

    return explain_fn
