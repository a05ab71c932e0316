r"""Additive (Bahdanau) attention pooling and the experiments of the attention debate (chapter 8).

``imdb_lstm_attention`` is the model of Jain & Wallace (2019): a bidirectional LSTM
encodes the words into states :math:`s_t`, and **additive attention** pools them,

.. math:: u_t = v^\top \tanh(W s_t + b), \qquad
          \alpha = \operatorname{softmax}(u)\ \text{over the real words}, \qquad
          c = \sum_t \alpha_t s_t,

then a dense layer maps the context :math:`c` to the logits. The attention weights
:math:`\alpha` are therefore the *only* way the words reach the output, which is why
permuting them or searching for different ones is a meaningful counterfactual.
``imdb_lstm_uniform`` is the same model with :math:`\alpha` frozen to uniform over the
real words (Wiegreffe & Pinter's baseline): if it is as accurate, attention was not
needed for the task.

==================================================  ======================================================
call                                                what it gives
==================================================  ======================================================
``AdditiveAttention``                               the pooling layer (``uniform=True``: frozen uniform)
``weights_model(model)``                            reviews -> attention weights (n, 256), 0 on padding
``attention_model(model)``                          ``imdb_transformer``: reviews -> scores (n, heads, 256, 256)
``LSTMParts(model)``                                states of the encoder; output for chosen attention
``entropy_and_max(weights)``                        per review: entropy / log(n words) and max weight
``permutation_tvd(predict, weights, ...)``          output change (total variation) under permutations
``stratified(max_weight, change, bins)``            median change per bin of the maximum weight
``adversarial(predict, weights, mask, epsilon)``    attention with maximal JSD, output within epsilon
``TransformerParts(model)``                         imdb_transformer's input; its output for chosen attention
``adversarial_heads(predict, weights, mask, eps)``  the same search over every head's row of every word
``jsd(p, q)``                                       Jensen-Shannon divergence (natural log, max ln 2)
==================================================  ======================================================
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from . import checks
from .blocks import embed_words, logits_and_probs

__all__ = [
    "AdditiveAttention",
    "LSTMParts",
    "TransformerParts",
    "adversarial",
    "adversarial_heads",
    "attention_model",
    "entropy_and_max",
    "imdb_lstm_attention",
    "imdb_lstm_uniform",
    "jsd",
    "permutation_tvd",
    "stratified",
    "tvd",
    "weights_model",
]


@keras.saving.register_keras_serializable(package="xai_teach")
class AdditiveAttention(layers.Layer):
    r"""Additive attention pooling: :math:`c = \sum_t \alpha_t s_t` with :math:`\alpha = \mathrm{softmax}(v^\top\tanh(W s_t + b))`.

    Called on ``[states, mask]`` (``(n, L, d)`` floats and ``(n, L)`` bools, True for real words);
    returns the context ``(n, d)``, or ``(context, weights)`` with ``return_weights=True``.
    Padding gets weight exactly 0 and the weights of every sequence sum to 1.
    ``uniform=True`` freezes the weights to 1 / (number of real words) and has no trainable weights.
    """

    def __init__(self, units=32, uniform=False, **kwargs):
        super().__init__(**kwargs)
        self.units, self.uniform = int(units), bool(uniform)
        # The padding mask arrives explicitly as the second input; the implicit Keras mask that the
        # BiLSTM states carry is consumed here (the pooled context has no time axis left to mask).
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    def build(self, input_shape):
        if self.uniform:
            return
        dim = input_shape[0][-1]
        self.w = self.add_weight(shape=(dim, self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
        self.v = self.add_weight(shape=(self.units,), initializer="glorot_uniform", name="v")

    def scores(self, states):
        """Unnormalised scores :math:`u_t` (n, L)."""
        return ops.einsum("nld,d->nl", ops.tanh(ops.einsum("nld,du->nlu", states, self.w) + self.b), self.v)

    def call(self, inputs, return_weights=False):
        states, mask = inputs
        real = ops.cast(mask, states.dtype)
        if self.uniform:
            weights = real / ops.maximum(ops.sum(real, axis=1, keepdims=True), 1.0)
        else:
            u = self.scores(states)
            u = ops.where(mask, u, ops.full_like(u, -1e9))
            weights = ops.softmax(u, axis=1) * real
            weights = weights / ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1e-12)
        context = ops.einsum("nl,nld->nd", weights, states)
        return (context, weights) if return_weights else context

    def get_config(self):
        return {**super().get_config(), "units": self.units, "uniform": self.uniform}


def _bilstm_attention(vectorizer, uniform, name):
    text = keras.Input((), dtype="string", name="text")
    emb, mask = embed_words(vectorizer, text)
    states = layers.Bidirectional(layers.LSTM(32, return_sequences=True), name="bilstm")(emb, mask=mask)
    context = AdditiveAttention(32, uniform=uniform, name="attention")([states, mask])
    return keras.Model(text, logits_and_probs(layers.Dropout(0.3)(context), 2), name=name)


def imdb_lstm_attention(vectorizer):
    """BiLSTM encoder + additive attention pooling (Jain & Wallace's setup)."""
    return _bilstm_attention(vectorizer, False, "imdb_lstm_attention")


def imdb_lstm_uniform(vectorizer):
    """The same model with attention frozen to uniform over the real words (Wiegreffe & Pinter's baseline)."""
    return _bilstm_attention(vectorizer, True, "imdb_lstm_uniform")


def is_additive(model):
    """True when ``model`` pools with an :class:`AdditiveAttention` layer named ``attention``."""
    try:
        return isinstance(model.get_layer("attention"), AdditiveAttention)
    except ValueError:
        return False


class LSTMParts:
    """The two halves of ``imdb_lstm_attention``: reviews -> (states, mask), and (states, weights) -> probabilities.

    ``predict(states, weights)`` runs the head (dense logits, softmax; dropout is off at inference)
    on the context :math:`\\sum_t \\alpha_t s_t` for *any* attention weights: the counterfactual
    forward pass of the permutation and adversarial tests. It is differentiable in ``weights``.
    """

    def __init__(self, model):
        if not is_additive(model):
            raise ValueError(f"{model.name} has no AdditiveAttention layer named 'attention'.")
        att = model.get_layer("attention")
        states, mask = att.input
        self.encoder = keras.Model(model.input, [states, mask])
        self.logits = model.get_layer("logits")

    def states(self, texts):
        """Encoder states (n, L, d) and the padding mask (n, L) of a list of reviews."""
        s, m = self.encoder(tf.constant(list(texts)), training=False)
        return s, m

    def predict(self, states, weights):
        """Class probabilities (n, 2) for the given attention weights (n, L)."""
        context = tf.einsum("nl,nld->nd", tf.cast(weights, states.dtype), states)
        return tf.nn.softmax(self.logits(context))


def weights_model(model):
    """Map review strings to the additive attention weights (n, L); 0 on padding, each row sums to 1."""
    if not is_additive(model):
        raise ValueError(f"{model.name} has no AdditiveAttention layer named 'attention'.")
    att = model.get_layer("attention")
    states, mask = att.input
    _, weights = att([states, mask], return_weights=True)
    return keras.Model(model.input, weights)


def _distributions(weights, name="weights"):
    rows = [np.asarray(w, dtype=np.float64).ravel() for w in weights]
    for i, w in enumerate(rows):
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or abs(w.sum() - 1) > 1e-3:
            raise ValueError(f"{name}[{i}] must be a non-empty distribution (>= 0, sums to 1), got sum {w.sum():.4g}.")
    return rows


def entropy_and_max(weights):
    """Per attention distribution: entropy relative to uniform, H / log(n) in [0, 1], and the maximum weight.

    1 means uniform attention (every word the same weight), values near 0 attention on one word.
    Distributions of a single word get relative entropy 1.
    """
    rows = _distributions(weights)
    rel, top = np.empty(len(rows)), np.empty(len(rows))
    for i, w in enumerate(rows):
        p = w[w > 0]
        rel[i] = 1.0 if w.size == 1 else float(-(p * np.log(p)).sum() / np.log(w.size))
        top[i] = w.max()
    return rel, top


def tvd(p, q, axis=-1):
    """Total variation distance between distributions along ``axis``: half the L1 distance, in [0, 1]."""
    return 0.5 * np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64)).sum(axis=axis)


def jsd(p, q, axis=-1):
    """Jensen-Shannon divergence (natural log) between distributions along ``axis``; 0 .. ln 2."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)

    def kl(a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / np.where(b > 0, b, 1.0)), 0.0).sum(axis=axis)

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


PERMUTATION_CHUNK = 1000  #: permuted rows per call of ``predict`` in :func:`permutation_tvd`


def permutation_tvd(predict, weights, lengths, n_perm=20, random_state=0):
    """Output change when each review's attention is permuted over its real words.

    Args:
        predict: ``(weights (m, L), rows (m,)) -> probabilities (m, classes)``: the output of review
            ``rows[j]`` when its attention is ``weights[j]``.
        weights: (n, L) attention of the model, 0 beyond each review's length.
        lengths: real words per review (n,).
        n_perm: permutations per review.
        random_state: seed of the permutations.

    Returns:
        (n, n_perm) total variation distances between the permuted and the original output
        (the output with the original weights is ``predict`` on unpermuted rows).
    """
    w = np.asarray(weights, dtype=np.float32)
    lengths = np.asarray(lengths, dtype=int)
    n_perm = checks.positive_int(n_perm, "n_perm", high=10_000)
    if w.ndim != 2 or lengths.shape != (len(w),) or np.any(lengths < 1) or np.any(lengths > w.shape[1]):
        raise ValueError(f"weights must be (n, L) and lengths (n,) in 1..L, got {w.shape} and {lengths.shape}.")
    rng = np.random.default_rng(random_state)
    permuted = np.repeat(w, n_perm, axis=0)
    for i, n in enumerate(lengths):
        for p in range(n_perm):
            permuted[i * n_perm + p, :n] = w[i, rng.permutation(n)]
    rows = np.repeat(np.arange(len(w)), n_perm)
    original = np.asarray(predict(w, np.arange(len(w))))[rows]
    # In chunks: a counterfactual pass holds each row's encoder states (L x d floats), too many for all at once.
    chunks = range(0, len(rows), PERMUTATION_CHUNK)
    changed = np.concatenate(
        [np.asarray(predict(permuted[j : j + PERMUTATION_CHUNK], rows[j : j + PERMUTATION_CHUNK])) for j in chunks]
    )
    return tvd(changed, original).reshape(len(w), n_perm)


def stratified(max_weight, change, bins=(0.0, 0.05, 0.1, 0.25, 0.5, 1.0)):
    """Median output change per bin of the maximum attention weight (Jain & Wallace's stratification).

    Args:
        max_weight: (n,) the largest attention weight of each review.
        change: (n,) or (n, draws) output change per review (medians over draws first).
        bins: increasing bin edges; a review with max weight m falls in the bin with lo <= m < hi
            (the last bin includes its upper edge).

    Returns:
        list of dicts ``{"bin": "lo-hi", "reviews": count, "median_change": median or NaN}``.
    """
    m = np.asarray(max_weight, dtype=np.float64).ravel()
    ch = np.asarray(change, dtype=np.float64)
    ch = np.median(ch, axis=1) if ch.ndim == 2 else ch.ravel()
    edges = np.asarray(bins, dtype=np.float64)
    if ch.shape != m.shape:
        raise ValueError(f"change must have one row per review ({m.size}), got shape {np.shape(change)}.")
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be at least two increasing edges, got {bins!r}.")
    out = []
    for j, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = j == len(edges) - 2
        inside = (m >= lo) & ((m <= hi) if last else (m < hi))
        out.append(
            {
                "bin": f"{lo:g}-{hi:g}",
                "reviews": int(inside.sum()),
                "median_change": float(np.median(ch[inside])) if inside.any() else float("nan"),
            }
        )
    return out


def adversarial(predict, weights, mask, epsilon=0.01, steps=300, learning_rate=0.1, penalty=100.0, random_state=0):
    """Attention as different as possible from the model's (max JSD) while the output moves by at most ``epsilon``.

    Jain & Wallace's adversarial attention: gradient ascent on
    ``JSD(alpha, alpha0) - penalty * max(0, TVD(output, output0) - epsilon)`` over attention
    parametrised as a masked softmax of free logits (so it stays a distribution over the real words).
    The best *feasible* distribution seen (output change <= epsilon) is kept per review; the
    original attention (JSD 0) is always feasible.

    Args:
        predict: differentiable ``weights (n, L) tensor -> probabilities (n, classes)`` tensor.
        weights: (n, L) the model's attention, 0 on padding.
        mask: (n, L) bool, True for real words.
        epsilon: largest allowed total variation distance of the output.
        steps: gradient steps.
        learning_rate: Adam's step size on the logits.
        penalty: weight of the constraint violation.
        random_state: seeds the starting point (the original logits plus small noise).

    Returns:
        dict with ``weights`` (n, L) adversarial attention, ``jsd`` (n,), ``output_change`` (n,).
    """
    w0 = np.asarray(weights, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    if w0.shape != mask.shape or w0.ndim != 2:
        raise ValueError(f"weights and mask must both be (n, L), got {w0.shape} and {mask.shape}.")
    if not (isinstance(epsilon, (int, float)) and 0 < epsilon < 1):
        raise ValueError(f"epsilon must be a float in (0, 1), got {epsilon!r}.")
    steps = checks.positive_int(steps, "steps", high=100_000)
    return _ascend(predict, w0, mask, _jsd_rows, None, epsilon, steps, learning_rate, penalty, random_state)


# The transformer's attention (chapter 7's heat maps, explain.attention): read out of its MultiHeadAttention layer.


class _AttentionScores(layers.Layer):
    """The scores of a (built) ``MultiHeadAttention`` layer, computed inside one layer's ``call``.

    Calling the built layer again on symbolic tensors with ``return_attention_scores=True`` leaves the scores
    unconnected to the model's input in Keras 3.15 ("Output ... is not connected to `inputs`"); traced inside
    a layer, the same call works on every Keras 3.
    """

    def __init__(self, attention, **kwargs):
        super().__init__(**kwargs)
        self.attention = attention

    def call(self, x, mask):
        return self.attention(x, x, query_mask=mask, value_mask=mask, return_attention_scores=True)[1]


def attention_model(model):
    """Map review strings to the attention scores (n, heads, words, words) of ``imdb_transformer``."""
    att = model.get_layer("attention")
    x = att.input[0] if isinstance(att.input, list) else att.input
    mask = model.get_layer("mask").output
    return keras.Model(model.input, _AttentionScores(att, name="attention_scores")(x, mask))


# --------------------------------------------------------------------------- the Transformer, split at its attention

_TRANSFORMER_LAYERS = (
    "vectorize",
    "embedding",
    "position",
    "attention",
    "norm1",
    "ff1",
    "ff2",
    "norm2",
    "pool",
    "logits",
)


class TransformerParts:
    r"""``imdb_transformer`` split at its attention probabilities: reviews -> (x, mask), and (x, mask, A) -> output.

    ``inputs(texts)`` gives the block's input :math:`x` (word embeddings plus positions) and the padding
    mask, cut to the longest review of the batch (padding can neither attend nor be attended to, and the
    pooling skips it, so the cut changes no output). ``attention(x, mask)`` gives the model's own
    probabilities :math:`A` (n, heads, words, words). ``predict(x, mask, A)`` reruns the block with any
    :math:`A`: values :math:`V = x W_V` per head, :math:`\sum_j A_{ij} V_j`, output projection, residual,
    LayerNorm, feed-forward, masked mean pooling and the logits; it is differentiable in ``A`` and, with
    the model's own ``A``, reproduces the model (dropout is off at inference).
    """

    def __init__(self, model):
        names = {layer.name for layer in model.layers}
        missing = [name for name in _TRANSFORMER_LAYERS if name not in names]
        if missing or not isinstance(model.get_layer("attention"), layers.MultiHeadAttention):
            raise ValueError(
                f"{model.name} is not built like imdb_transformer: expected a MultiHeadAttention layer named "
                f"'attention' and layers {list(_TRANSFORMER_LAYERS)}; missing {missing}."
            )
        self.model = model
        self.layer = model.get_layer("attention")

    def inputs(self, texts):
        """The block's input ``x`` (n, words, dim) and the padding mask (n, words), cut to the longest review."""
        texts = checks.text_batch(list(texts))
        ids = self.model.get_layer("vectorize")(tf.constant(texts))
        x = self.model.get_layer("position")(self.model.get_layer("embedding")(ids))
        mask = ids != 0
        width = max(1, int(tf.reduce_max(tf.reduce_sum(tf.cast(mask, tf.int32), axis=1))))
        return x[:, :width], mask[:, :width]

    def attention(self, x, mask):
        """The model's attention probabilities (n, heads, words, words) for the inputs of :meth:`inputs`."""
        _, scores = self.layer(x, x, query_mask=mask, value_mask=mask, return_attention_scores=True, training=False)
        return scores

    def predict(self, x, mask, attention):
        """Class probabilities (n, classes) of the block run with attention probabilities ``attention``."""
        get = self.model.get_layer
        values = self.layer._value_dense(x)  # (n, words, heads, dim)
        mixed = tf.einsum("bhij,bjhd->bihd", tf.cast(attention, values.dtype), values)
        h = get("norm1")(x + self.layer._output_dense(mixed))
        h = get("norm2")(h + get("ff2")(get("ff1")(h)))
        return tf.nn.softmax(get("logits")(get("pool")(h, mask=mask)))


def _jsd_rows(p, q):
    """JSD (natural log) between distributions along the last axis of two tensors."""
    mid = 0.5 * (p + q)

    def kl(a, b):
        return tf.reduce_sum(tf.where(a > 0, a * tf.math.log(tf.maximum(a, 1e-30) / tf.maximum(b, 1e-30)), 0.0), -1)

    return 0.5 * kl(p, mid) + 0.5 * kl(q, mid)


def adversarial_heads(
    predict, weights, mask, epsilon=0.01, steps=300, learning_rate=0.1, penalty=100.0, random_state=0
):
    """Adversarial attention for multi-head self-attention: every head's row of every real word searched at once.

    The Transformer counterpart of :func:`adversarial`. Each head gives every word (query) its own
    distribution over the words (keys), so a review has ``heads x words`` distributions; the divergence
    of a review is the **mean JSD over its heads and real query words**. Gradient ascent on
    ``mean JSD - penalty * max(0, TVD(output, output0) - epsilon)`` over free logits, each row a masked
    softmax over the real words; the best feasible attention seen (output change <= ``epsilon``) is
    kept per review, and the model's own attention (JSD 0) is always feasible.

    Args:
        predict: differentiable ``attention (n, heads, L, L) tensor -> probabilities (n, classes)`` tensor.
        weights: (n, heads, L, L) the model's attention probabilities.
        mask: (n, L) bool, True for real words.
        epsilon, steps, learning_rate, penalty, random_state: as in :func:`adversarial`.

    Returns:
        dict with ``weights`` (n, heads, L, L) adversarial attention (padded query rows as given),
        ``jsd`` (n,) mean JSD over heads and real query words, ``output_change`` (n,).
    """
    w0 = np.asarray(weights, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    if w0.ndim != 4 or mask.ndim != 2 or w0.shape[0] != mask.shape[0] or w0.shape[2:] != (mask.shape[1],) * 2:
        raise ValueError(f"weights must be (n, heads, L, L) and mask (n, L), got {w0.shape} and {mask.shape}.")
    if not mask.any(axis=1).all():
        raise ValueError("every review needs at least one real word (a True in each row of mask).")
    if not (isinstance(epsilon, (int, float)) and 0 < epsilon < 1):
        raise ValueError(f"epsilon must be a float in (0, 1), got {epsilon!r}.")
    steps = checks.positive_int(steps, "steps", high=100_000)
    keys = np.broadcast_to(mask[:, None, None, :], w0.shape)
    rows = np.broadcast_to(mask[:, None, :, None], w0.shape[:3] + (1,))[..., 0]  # (n, heads, L) real queries
    rows_t = tf.constant(rows)
    real_rows = tf.reduce_sum(tf.cast(rows_t, tf.float32), axis=(1, 2))

    def divergence(a, w):  # mean JSD over the heads and real query words of each review
        return tf.reduce_sum(tf.where(rows_t, _jsd_rows(a, w), 0.0), axis=(1, 2)) / real_rows

    # Padded query rows keep their (unused) original rows.
    keep = rows_t[..., None]
    return _ascend(predict, w0, keys, divergence, keep, epsilon, steps, learning_rate, penalty, random_state)


def _ascend(predict, w0, keys, divergence, keep, epsilon, steps, learning_rate, penalty, random_state):
    """The search of :func:`adversarial` and :func:`adversarial_heads`: Adam on free logits, each distribution
    a softmax over its real ``keys`` (last axis); the best feasible attention seen is kept per review."""
    p0 = tf.constant(np.asarray(predict(tf.constant(w0))), tf.float32)
    rng = np.random.default_rng(random_state)
    start = np.log(np.where(keys, w0, 1.0) + 1e-12) + rng.normal(scale=0.5, size=w0.shape)
    logits = tf.Variable(np.where(keys, start, 0.0).astype(np.float32))
    keys_t, w0_t = tf.constant(keys), tf.constant(w0)
    opt = keras.optimizers.Adam(learning_rate)
    opt.build([logits])

    def dist():
        a = tf.nn.softmax(tf.where(keys_t, logits, -1e9), axis=-1) * tf.cast(keys_t, tf.float32)
        return a if keep is None else tf.where(keep, a, w0_t)

    @tf.function(autograph=False)  # one compiled step: an eager loop spends most of its time in Python
    def step():
        with tf.GradientTape() as tape:
            a = dist()
            change = 0.5 * tf.reduce_sum(tf.abs(predict(a) - p0), axis=1)
            d = divergence(a, w0_t)
            loss = -tf.reduce_sum(d - penalty * tf.nn.relu(change - epsilon))
        opt.apply_gradients([(tape.gradient(loss, logits), logits)])
        return a, d, change

    best_w, best_jsd, best_change = w0.copy(), np.zeros(len(w0)), np.zeros(len(w0))
    for _ in range(steps):
        a, d, change = step()
        d, ch = d.numpy(), change.numpy()
        better = (ch <= epsilon) & (d > best_jsd)
        if better.any():
            best_w[better], best_jsd[better], best_change[better] = a.numpy()[better], d[better], ch[better]
    return {"weights": best_w, "jsd": best_jsd, "output_change": best_change}
