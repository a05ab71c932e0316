"""Gradient explanations of image models: saliency, SmoothGrad and integrated gradients.

All three differentiate the **pre-softmax logit** of the target class by default
(``output="logits"``). The softmax saturates: once a digit is classified with
p = 0.9999, moving any pixel barely changes p, so gradients of the probability
are close to zero everywhere and mostly show noise. ``output="probs"``
differentiates the probability instead, to show exactly that. A model without a
layer named ``logits`` (e.g. one built in a test) is differentiated at its
output, whatever that is.

All three run on the package's compiled gradient path
(:func:`xai_teach.forward.gradients`): the model's head is built once per model
and the gradient function traced once, so a call costs about one forward and
one backward pass per image (per noisy copy, per path point); saliency equals
:class:`tf_keras_vis.saliency.Saliency`'s map (a test compares them). SmoothGrad
draws its noise from NumPy's default generator (float32), ten times faster than
the legacy generator tf-keras-vis uses. Every call is vectorised: one gradient
evaluation covers many images (``batch_size`` per call), never a Python loop
over images.
"""

import numpy as np
import tensorflow as tf

from .. import checks
from .. import forward as fwd
from . import _common as c


def _smooth_function(model, output, absolute):
    """A compiled ``(x (m, ...), targets (m,), noise (k, m, ...)) -> sum over k of grad(x + noise_k)``."""

    def build():
        grad = fwd.gradient_function(model, output)

        def smooth(x, targets, noise):
            k = tf.shape(noise)[0]
            noisy = tf.reshape(x[None] + noise, tf.concat([[-1], tf.shape(x)[1:]], 0))
            g = grad(noisy, tf.tile(targets, [k]))
            g = tf.abs(g) if absolute else g
            return tf.reduce_sum(tf.reshape(g, tf.shape(noise)), axis=0)

        spec = fwd.input_spec(model)
        signature = [spec, tf.TensorSpec((None,), tf.int64), tf.TensorSpec((None,) + tuple(spec.shape), tf.float32)]
        return tf.function(smooth, input_signature=signature, autograph=False)

    return fwd.compiled(model, ("smoothgrad", output, absolute), build)


def _smoothed(model, x, targets, output, absolute, samples, noise, rng, batch_size):
    """SmoothGrad of images ``x`` (m, 28, 28, 1): the mean gradient over ``samples`` noisy copies.

    The noise of copy k is ``noise * (max - min)`` of each image times standard normal
    draws from ``rng`` (float32, drawn copy by copy), ``per_call`` copies per compiled
    call, so memory holds at most about ``batch_size`` noisy images whatever ``samples`` is.
    """
    m = len(x)
    span = x.reshape(m, -1).max(axis=1) - x.reshape(m, -1).min(axis=1)
    sigma = (np.float32(noise) * span).astype(np.float32).reshape((m,) + (1,) * (x.ndim - 1))
    fn = _smooth_function(model, output, absolute)
    per_call = max(1, batch_size // m)
    total = np.zeros(x.shape, dtype=np.float32)
    xt, tt = tf.convert_to_tensor(x, tf.float32), tf.constant(targets, tf.int64)
    for start in range(0, samples, per_call):
        k = min(per_call, samples - start)
        draws = rng.standard_normal((k,) + x.shape, dtype=np.float32) * sigma
        total += fn(xt, tt, tf.convert_to_tensor(draws)).numpy()
    return total / np.float32(samples)


def _path_function(model, output):
    """Compiled ``(x, base, alphas, weights, targets) -> sum_k weights[k] * grad f(base + alphas[k] * (x - base))``."""

    def build():
        grad = fwd.gradient_function(model, output)

        def weighted(x, base, alphas, weights, targets):
            k = tf.shape(alphas)[0]
            delta = x - base
            path = base[None] + alphas[:, None, None, None, None] * delta[None]
            g = grad(tf.reshape(path, tf.concat([[-1], tf.shape(x)[1:]], 0)), tf.tile(targets, [k]))
            return tf.tensordot(weights, tf.reshape(g, tf.shape(path)), axes=1)

        spec = fwd.input_spec(model)
        vector = tf.TensorSpec((None,), tf.float32)
        signature = [spec, spec, vector, vector, tf.TensorSpec((None,), tf.int64)]
        return tf.function(weighted, input_signature=signature, autograph=False)

    return fwd.compiled(model, ("integrated_gradients", output), build)


def _baseline(baseline, x):
    """The baseline as float32 images broadcastable against ``x`` (n, 28, 28, 1)."""
    if isinstance(baseline, np.ndarray | list | tuple):
        base = checks.image_batch(baseline, "baseline")
        if len(base) not in (1, len(x)):
            raise ValueError(f"baseline must be one image or one per input ({len(x)}), got {len(base)} images.")
        return base
    value = c.number(baseline, "baseline", 0, 1)
    return np.full((1,) + checks.IMAGE_SHAPE, value, dtype=np.float32)


@c.explainer
def integrated_gradients(model, inputs, targets=None, *, steps=50, baseline=0.0, output="logits", batch_size=c.BATCH):
    r"""Integrated gradients: gradients averaged along the straight path from a baseline to the image.

    Sundararajan, Taly & Yan 2017, *Axiomatic Attribution for Deep Networks*:

    .. math:: \mathrm{IG}_i(x) = (x_i - b_i) \int_0^1 \frac{\partial f_c(b + \alpha (x - b))}{\partial x_i}\, d\alpha

    computed with the trapezoid rule on ``steps`` intervals. **Completeness**: the
    values add up to :math:`f_c(x) - f_c(b)` up to the step error; the result's
    ``base_values`` hold :math:`f_c(b)`. On a linear model they equal ``W[c] * (x - b)`` exactly.

    Args:
        model, inputs, targets, output: as for :func:`saliency`.
        steps: number of intervals of the path integral (more: smaller completeness error).
        baseline: the "absence of signal" the image is compared with: a grey level in
            [0, 1] (default 0, a black image: no ink), one image, or one image per input.
        batch_size: path points per gradient call (images and steps are batched together).
    """
    batch = c.image_batch(model, inputs, targets, "integrated_gradients")
    c.choice(output, "output", c.OUTPUTS)
    steps = c.positive_int(steps, "steps", high=c.MAX_DRAWS)
    batch_size = c.positive_int(batch_size, "batch_size")
    x, n = batch.inputs, len(batch)
    base = _baseline(baseline, x)
    delta = x - base
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] = 0.5 / steps
    fn = _path_function(model, output)
    total = np.zeros(x.shape, dtype=np.float64)
    xt, bt = tf.constant(x), tf.constant(np.broadcast_to(base, x.shape))
    # Images in chunks of at most batch_size, each with as many path points as fit in one call.
    per_call_images = min(n, batch_size)
    per_call = max(1, batch_size // per_call_images)
    for first in range(0, n, per_call_images):
        rows = slice(first, first + per_call_images)
        tt = tf.constant(batch.targets[rows])
        for start in range(0, steps + 1, per_call):
            a, w = alphas[start : start + per_call], weights[start : start + per_call].astype(np.float32)
            total[rows] += fn(xt[rows], bt[rows], tf.constant(a), tf.constant(w), tt).numpy()
    at_base = c.target_outputs(model, np.broadcast_to(base, x.shape), batch.targets, output, batch_size)
    return c.image_attribution(total * delta, batch, "integrated_gradients", base_values=at_base)
