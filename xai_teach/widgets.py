"""Interactive explorers: sliders that perturb an input or a method and redraw the result.

Each explorer is one pure ``compute(**settings)`` function (unit-tested), one ``draw`` function, and two
ways to show them, both drawing with the same code:

- ``explorer.widget()``: live ipywidgets controls (works with ipywidgets 7.7, what Colab ships, and 8);
- ``explorer.static(settings)``: a grid of representative settings for the rendered book, where no
  Python runs behind the sliders.
"""

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import checks, models, viz


class Explorer:
    """Controls + a pure compute function + a draw function.

    Args:
        compute: ``compute(**settings) -> dict`` of everything the drawing needs.
        draw: ``draw(axes, result, settings)`` fills one row of axes.
        controls: name -> ipywidgets control; their values are the settings.
        panels: how many axes one setting needs.
        title: a line above the live view and the static grid.
    """

    def __init__(self, compute, draw, controls, panels, title):
        self.compute, self.draw, self.controls, self.panels, self.title = compute, draw, controls, panels, title

    def settings(self):
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def _figure(self, rows):
        fig, axes = plt.subplots(len(rows), self.panels, figsize=(2.6 * self.panels, 2.4 * len(rows)), squeeze=False)
        for ax_row, settings in zip(axes, rows):
            self.draw(ax_row, self.compute(**settings), settings)
        fig.suptitle(self.title, fontsize=10)
        fig.tight_layout()
        return fig

    def static(self, rows):
        """A grid with one row per dict of settings (missing keys take the controls' values)."""
        return self._figure([{**self.settings(), **row} for row in rows])

    def widget(self):
        """Live controls; every change recomputes and redraws."""

        def redraw(**settings):
            self._figure([settings])
            plt.show()

        out = w.interactive_output(redraw, self.controls)
        return w.VBox([w.HTML(f"<b>{self.title}</b>"), w.HBox(list(self.controls.values())), out])

    def show(self):
        """Display the live widget (in Jupyter or Colab)."""
        display(self.widget())


def _probability_bars(ax, probs, highlight, labels=None):
    labels = [str(i) for i in range(len(probs))] if labels is None else labels
    colours = ["#c44e52" if i == highlight else "#4c72b0" for i in range(len(probs))]
    ax.bar(labels, probs, color=colours)
    ax.set_ylim(0, 1)
    ax.set_title(f"p({labels[highlight]}) = {probs[highlight]:.2f}", fontsize=9)


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
        _probability_bars(axes[1], result["probs"], target)

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
    from . import explain

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
        _probability_bars(axes[1], result["probs"], target)

    controls = {
        "sigma": w.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05, description="noise"),
        "seed": w.IntSlider(value=0, min=0, max=9, description="seed"),
    }
    return Explorer(compute, draw, controls, 2, "Noise: does the prediction, and its explanation, hold?")
