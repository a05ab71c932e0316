"""Explorers for digits: occlusion, input noise, and any explanation method's parameters."""

import base64

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np

from .. import checks, models, viz
from .core import Explorer, decimals, format_value, probability_bars

HIDDEN = (1.0, 0.55, 0.0, 0.55)  #: the occluded square: translucent orange over the pixels it hides
FAST = ("saliency", "gradient_x_input")  #: methods quick enough to rerun while a slider is dragged

#: How to read the bar chart of a method's strongest pixels, where that needs saying.
NOTES = {
    "lime_image": "LIME gives one value to each superpixel, so all the pixels of a superpixel share it: "
    "the bars of the strongest pixels come in equal-height steps, one step per superpixel.",
}


def _prediction_text(probs, target):
    """The readout's tail shared by the image explorers: the target's probability and the predicted class."""
    return f"p({target}) = {probs[target]:.2f}, predicted {int(probs.argmax())}"


def _prediction_numbers(probs, target):
    """What a book view records per state for the tests: the same two numbers as :func:`_prediction_text`."""
    return {"p_target": float(probs[target]), "predicted": int(probs.argmax())}


def image_code(x):
    """One (28, 28, 1) image as base64 of its float32 bytes (exact; for an explorer's recipe)."""
    return base64.b64encode(np.ascontiguousarray(x, dtype=np.float32).tobytes()).decode()


def image_from_code(code):
    return np.frombuffer(base64.b64decode(code), dtype=np.float32).reshape(28, 28, 1).copy()


def _probs(model, x):
    """The probabilities of one image, through the package's one compiled forward pass (:func:`models.predict_proba`)."""
    return models.predict_proba(model, x)[0]


def _model_name(model):
    return getattr(model, "name", None)


def occlusion_explorer(model, image, target=None, fill=0.0):
    """Hide a square of a digit and watch the class probabilities.

    The hidden pixels are set to ``fill`` (0, the background: as if no ink were there); the view draws
    them as a translucent orange square with a red outline, so you see both where the square is and
    what it hides.

    Args:
        model: an MNIST model returning (n, 10) probabilities.
        image: one digit (28, 28, 1) in [0, 1].
        target: the class whose probability is highlighted (default: the prediction on the intact digit).
        fill: the value written into the hidden square (0 is the background).
    """
    x = checks.image_batch(image, "image")
    if len(x) != 1:
        raise ValueError(f"occlusion_explorer takes one image, got {len(x)}.")
    target = int(checks.targets(target, models.predict_proba(model, x))[0])

    def compute(row, col, size):
        occluded = x.copy()
        occluded[0, row : row + size, col : col + size] = fill
        return {"image": occluded[0], "probs": _probs(model, occluded)}

    def draw(axes, result, settings):
        axes[0].imshow(result["image"][:, :, 0], cmap="gray_r", vmin=0, vmax=1)
        r, c, s = settings["row"], settings["col"], settings["size"]
        axes[0].add_patch(plt.Rectangle((c - 0.5, r - 0.5), s, s, facecolor=HIDDEN, edgecolor="#c44e52", lw=1.5))
        axes[0].set_xlim(-0.5, 27.5)
        axes[0].set_ylim(27.5, -0.5)
        axes[0].set_title(f"hidden: {s}×{s} at ({r}, {c})", fontsize=9)
        axes[0].axis("off")
        probability_bars(axes[1], result["probs"], target)

    def readout(result, settings):
        where = f"square {settings['size']}×{settings['size']} at ({settings['row']}, {settings['col']}) hidden"
        return f"{where}: {_prediction_text(result['probs'], target)}"

    def numbers(result):
        return _prediction_numbers(result["probs"], target)

    controls = {
        "row": w.IntSlider(value=10, min=0, max=27, description="row"),
        "col": w.IntSlider(value=10, min=0, max=27, description="column"),
        "size": w.IntSlider(value=8, min=1, max=14, description="size"),
    }
    recipe = {"explorer": "occlusion", "model": _model_name(model), "image": image_code(x[0]), "target": target}
    recipe["fill"] = float(fill)
    return Explorer(
        compute,
        draw,
        controls,
        2,
        "Occlusion: hide part of the digit",
        readout=readout,
        numbers=numbers,
        note="The orange square marks the hidden pixels, set to the background (no ink); red bar: "
        f"class {target}, the prediction on the intact digit.",
        recipe=recipe,
    )


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
    name = getattr(method, "__name__", str(method))

    def describe(settings):
        return ", ".join(f"{k}={format_value(v, decimals(control_specs.get(k)))}" for k, v in settings.items())

    def compute(**params):
        return {"attribution": method(model, x, targets=target, **params)}

    def draw(axes, result, settings):
        attr = result["attribution"]
        viz.heatmap(axes[0], attr.inputs[0], attr.values[0], describe(settings))
        top = attr.top_features(20)[0]
        axes[1].bar(range(len(top)), [abs(v) for _, v in top], color="#4c72b0")
        steps = " (a step per superpixel)" if name == "lime_image" else ""
        axes[1].set_title(f"|value| of the 20 strongest pixels{steps}", fontsize=9)
        axes[1].set_xticks([])

    def readout(result, settings):
        values = result["attribution"].values[0]
        return f"{name} of class {target}, {describe(settings)}: largest |value| {np.abs(values).max():.3g}"

    def numbers(result):
        return {"max_abs": float(np.abs(result["attribution"].values[0]).max())}

    recipe = {"explorer": "method", "model": _model_name(model), "image": image_code(x[0]), "target": target}
    recipe["method"] = name
    return Explorer(
        compute,
        draw,
        control_specs,
        2,
        title or name,
        readout=readout,
        numbers=numbers,
        slow=name not in FAST,
        note=NOTES.get(name),
        recipe=recipe,
    )


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
            "probs": _probs(model, noisy),
        }

    def draw(axes, result, settings):
        attr = result["attribution"]
        viz.heatmap(axes[0], attr.inputs[0], attr.values[0], f"saliency, noise sigma={settings['sigma']:.2f}")
        probability_bars(axes[1], result["probs"], target)

    def readout(result, settings):
        return (
            f"noise sigma={settings['sigma']:.2f}, seed {settings['seed']}: {_prediction_text(result['probs'], target)}"
        )

    def numbers(result):
        return _prediction_numbers(result["probs"], target)

    controls = {
        "sigma": w.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05, description="noise"),
        "seed": w.IntSlider(value=0, min=0, max=9, description="seed"),
    }
    recipe = {"explorer": "noise", "model": _model_name(model), "image": image_code(x[0]), "target": target}
    return Explorer(
        compute,
        draw,
        controls,
        2,
        "Noise: does the prediction, and its explanation, hold?",
        readout=readout,
        numbers=numbers,
        recipe=recipe,
    )
