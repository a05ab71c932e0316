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


@c.explainer
def saliency(model, inputs, targets=None, *, output="logits", absolute=False):
    """Vanilla gradient: how much the target class's score changes per unit change of each pixel.

    Simonyan, Vedaldi & Zisserman 2014, *Deep Inside Convolutional Networks*. On a
    linear model the saliency map is the class's weight template, whatever the digit.

    Args:
        model: an MNIST model.
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        output: ``"logits"`` (default) differentiates the pre-softmax score,
            ``"probs"`` the softmax probability (which saturates; see the module docstring).
        absolute: return ``|gradient|`` as in the original paper; False (default) keeps
            the sign (red: more ink here raises the score, blue: lowers it).
    """
    batch, grads = c.image_gradients(model, inputs, targets, "saliency", output)
    return c.image_attribution(np.abs(grads) if absolute else grads, batch, "saliency")


@c.explainer
def smoothgrad(
    model,
    inputs,
    targets=None,
    *,
    samples=50,
    noise=0.2,
    output="logits",
    absolute=False,
    random_state=0,
    chunk=100,
    batch_size=c.BATCH,
):
    """SmoothGrad: the saliency map averaged over noisy copies of the image.

    Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, *SmoothGrad: removing noise by
    adding noise*. Adds Gaussian noise of standard deviation ``noise * (max - min)``
    of each image to ``samples`` copies (as tf-keras-vis does, with other draws).

    Args:
        model, inputs, targets, output, absolute: as for :func:`saliency`.
        samples: number of noisy copies averaged (more: smoother, slower; 0 gives plain saliency).
        noise: noise level as a fraction of the image's value range (the paper finds 0.1-0.2 best).
        random_state: seed of the noise; the same seed gives the same map.
        chunk: images whose noise is drawn together (the draw order; the same seed and chunk give the same map).
        batch_size: noisy images per gradient call; bounds memory whatever ``samples`` is.
    """
    batch = c.image_batch(model, inputs, targets, "smoothgrad")
    c.choice(output, "output", c.OUTPUTS)
    samples = c.positive_int(samples, "samples", low=0, high=c.MAX_DRAWS // 10)
    noise = c.number(noise, "noise", low=0)
    chunk = c.positive_int(chunk, "chunk")
    batch_size = c.positive_int(batch_size, "batch_size")
    if samples == 0:
        grads = fwd.gradients(model, batch.inputs, batch.targets, output, batch_size)
        return c.image_attribution(np.abs(grads) if absolute else grads, batch, "smoothgrad")
    rng = np.random.default_rng(c.seed(random_state))
    values = np.empty(batch.inputs.shape, dtype=np.float32)
    for start in range(0, len(batch), chunk):
        stop = start + chunk
        x, t = batch.inputs[start:stop], batch.targets[start:stop]
        values[start:stop] = _smoothed(model, x, t, output, bool(absolute), samples, noise, rng, batch_size)
    return c.image_attribution(values, batch, "smoothgrad")


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
