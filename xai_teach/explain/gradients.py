"""Gradient explanations of image models: saliency, SmoothGrad and integrated gradients.

All three differentiate the **pre-softmax logit** of the target class by default
(``output="logits"``). The softmax saturates: once a digit is classified with
p = 0.9999, moving any pixel barely changes p, so gradients of the probability
are close to zero everywhere and mostly show noise. ``output="probs"``
differentiates the probability instead, to show exactly that. A model without a
layer named ``logits`` (e.g. one built in a test) is differentiated at its
output, whatever that is.

Saliency and SmoothGrad wrap :class:`tf_keras_vis.saliency.Saliency`; integrated
gradients are a few lines of ``tf.GradientTape``. Every call is vectorised:
one gradient evaluation covers the whole batch (in chunks of ``batch_size``
images), never a Python loop over images.
"""

import numpy as np
from tf_keras_vis.saliency import Saliency

from .. import checks
from . import _common as c


def _tf_keras_vis_saliency(model, batch, output, absolute, samples=0, noise=0.0):
    fm = c.output_model(model, output)
    grads = Saliency(fm, clone=False)(
        c.target_score(batch.targets),
        batch.inputs,
        smooth_samples=samples,
        smooth_noise=noise,
        keepdims=True,
        gradient_modifier=np.abs if absolute else None,
        normalize_map=False,
    )
    return np.asarray(grads)


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
    batch = c.image_batch(model, inputs, targets, "saliency")
    c.choice(output, "output", c.OUTPUTS)
    return c.image_attribution(_tf_keras_vis_saliency(model, batch, output, bool(absolute)), batch, "saliency")


@c.explainer
def smoothgrad(
    model, inputs, targets=None, *, samples=50, noise=0.2, output="logits", absolute=False, random_state=0, chunk=100
):
    """SmoothGrad: the saliency map averaged over noisy copies of the image.

    Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, *SmoothGrad: removing noise by
    adding noise*. Wraps tf-keras-vis, which adds Gaussian noise of standard
    deviation ``noise * (max - min)`` of each image to ``samples`` copies.

    Args:
        model, inputs, targets, output, absolute: as for :func:`saliency`.
        samples: number of noisy copies averaged (more: smoother, slower; 0 gives plain saliency).
        noise: noise level as a fraction of the image's value range (the paper finds 0.1-0.2 best).
        random_state: seed of the noise; the same seed gives the same map.
        chunk: images per tf-keras-vis call; bounds memory (tf-keras-vis holds all noisy copies at once).
    """
    batch = c.image_batch(model, inputs, targets, "smoothgrad")
    c.choice(output, "output", c.OUTPUTS)
    samples = c.positive_int(samples, "samples", low=0, high=c.MAX_DRAWS // 10)
    noise = c.number(noise, "noise", low=0)
    chunk = c.positive_int(chunk, "chunk")
    values = np.empty(batch.inputs.shape, dtype=np.float32)
    with c.numpy_global_seed(c.seed(random_state)):
        for start in range(0, len(batch), chunk):
            part = c.Batch(batch.inputs[start : start + chunk], None, batch.targets[start : start + chunk])
            values[start : start + chunk] = _tf_keras_vis_saliency(model, part, output, bool(absolute), samples, noise)
    return c.image_attribution(values, batch, "smoothgrad")


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
    values add up to :math:`f_c(x) - f_c(b)` up to the step error. On a linear
    model they equal ``W[c] * (x - b)`` exactly.

    Args:
        model, inputs, targets, output: as for :func:`saliency`.
        steps: number of intervals of the path integral (more: smaller completeness error).
        baseline: the "absence of signal" the image is compared with: a grey level in
            [0, 1] (default 0, a black image: no ink), one image, or one image per input.
        batch_size: path points per gradient call (all images and steps are batched together).
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
    per_call = max(1, batch_size // n)
    total = np.zeros(x.shape, dtype=np.float64)
    for start in range(0, steps + 1, per_call):
        a = alphas[start : start + per_call]
        path = (base[None] + a[:, None, None, None, None] * delta[None]).reshape((-1,) + x.shape[1:])
        grads = c.gradients(model, path, np.tile(batch.targets, len(a)), output, batch_size)
        total += np.tensordot(weights[start : start + per_call], grads.reshape((len(a),) + x.shape), axes=1)
    return c.image_attribution(total * delta, batch, "integrated_gradients")
