"""Explorers for digits: occlusion, input noise, and any explanation method's parameters."""

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np

from .. import checks, models, viz
from .core import Explorer, probability_bars


def occlusion_explorer(model, image, target=None, fill=0.0):
    """Move a grey square over a digit and watch the class probabilities.

    Args:
        model: an MNIST model returning (n, 10) probabilities.
        image: one digit (28, 28, 1) in [0, 1].
        target: the class whose probability is highlighted (default: the prediction on the intact digit).
        fill: the value written into the occluded square (0 is the background).
    """
    x = checks.image_batch(image, "image")
    if len(x) != 1:
        raise ValueError(f"occlusion_explorer takes one image, got {len(x)}.")
    target = int(checks.targets(target, models.predict_proba(model, x))[0])

    def compute(row, col, size):
        occluded = x.copy()
        occluded[0, row : row + size, col : col + size] = fill
        return {"image": occluded[0], "probs": models.predict_proba(model, occluded)[0]}

    def draw(axes, result, settings):
        axes[0].imshow(result["image"][:, :, 0], cmap="gray_r", vmin=0, vmax=1)
        r, c, s = settings["row"], settings["col"], settings["size"]
        axes[0].add_patch(plt.Rectangle((c - 0.5, r - 0.5), s, s, fill=False, edgecolor="#c44e52", lw=1.5))
        axes[0].set_title(f"patch {s}x{s} at ({r}, {c})", fontsize=9)
        axes[0].axis("off")
        probability_bars(axes[1], result["probs"], target)

    controls = {
        "row": w.IntSlider(value=10, min=0, max=27, description="row"),
        "col": w.IntSlider(value=10, min=0, max=27, description="column"),
        "size": w.IntSlider(value=8, min=1, max=14, description="size"),
    }
    return Explorer(compute, draw, controls, 2, "Occlusion: hide part of the digit")


def method_explorer(model, image, method, control_specs, target=None, title=None):
    """Recompute an explanation as one of its parameters moves (noise, samples, seed, background...).

    Args:
        model: the model to explain.
        image: one digit (28, 28, 1) in [0, 1].
        method: ``explain.<method>``-shaped function ``method(model, x, targets, **params)``.
        control_specs: parameter name -> ipywidgets control for that parameter.
        target: the class to explain (default: the predicted class).
        title: the heading (default: the method's name).
    """
    x = checks.image_batch(image, "image")
    target = int(checks.targets(target, models.predict_proba(model, x))[0])

    def compute(**params):
        return {"attribution": method(model, x, targets=target, **params)}

    def draw(axes, result, settings):
        attr = result["attribution"]
        label = ", ".join(f"{k}={v}" for k, v in settings.items())
        viz.heatmap(axes[0], attr.inputs[0], attr.values[0], label)
        top = attr.top_features(20)[0]
        axes[1].bar(range(len(top)), [abs(v) for _, v in top], color="#4c72b0")
        axes[1].set_title("|value| of the 20 strongest pixels", fontsize=9)
        axes[1].set_xticks([])

    return Explorer(compute, draw, control_specs, 2, title or method.__name__)


def noise_explorer(model, image, target=None):
    """Add Gaussian noise to a digit: watch the prediction and a saliency map change.

    Args:
        model: an MNIST model.
        image: one digit (28, 28, 1) in [0, 1].
        target: the class to explain (default: the prediction on the clean digit).
    """
    from .. import explain

    x = checks.image_batch(image, "image")
    target = int(checks.targets(target, models.predict_proba(model, x))[0])

    def compute(sigma, seed):
        noisy = np.clip(x + np.random.default_rng(seed).normal(0, sigma, x.shape), 0, 1).astype(np.float32)
        return {
            "attribution": explain.saliency(model, noisy, targets=target),
            "probs": models.predict_proba(model, noisy)[0],
        }

    def draw(axes, result, settings):
        attr = result["attribution"]
        viz.heatmap(axes[0], attr.inputs[0], attr.values[0], f"saliency, noise sigma={settings['sigma']:.2f}")
        probability_bars(axes[1], result["probs"], target)

    controls = {
        "sigma": w.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05, description="noise"),
        "seed": w.IntSlider(value=0, min=0, max=9, description="seed"),
    }
    return Explorer(compute, draw, controls, 2, "Noise: does the prediction, and its explanation, hold?")
