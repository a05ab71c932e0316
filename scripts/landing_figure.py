"""Draw the landing page's figure: one digit, six explanations of the CNN's prediction, "which one is right?".

Run from the repository root: ``python scripts/landing_figure.py`` writes ``book/images/landing_six_methods.png``.
The picture is committed, so the book build does not recompute it; rerun this script after retraining the CNN.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xai_teach import data, explain, models, viz  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "book" / "images" / "landing_six_methods.png"


def main(out=OUT):
    (_, _), (x_test, y_test) = data.load_mnist()
    cnn = models.load_pretrained("mnist_cnn")
    pred = models.predict_proba(cnn, x_test[:200]).argmax(1)
    i = int(np.flatnonzero(pred != y_test[:200])[0])  # the first test digit the CNN gets wrong
    x = x_test[i]
    p = models.predict_proba(cnn, x[None])[0]
    methods = {
        "saliency": explain.saliency(cnn, x),
        "SmoothGrad": explain.smoothgrad(cnn, x, random_state=0),
        "integrated gradients": explain.integrated_gradients(cnn, x),
        "Grad-CAM": explain.gradcam(cnn, x),
        "LIME": explain.lime_image(cnn, x, random_state=0),
        "SHAP": explain.shap_gradient(cnn, x, random_state=0),
    }
    fig, axes = plt.subplots(1, 7, figsize=(12, 2.3))
    axes[0].imshow(x[:, :, 0], cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title(f"label {y_test[i]}\nCNN says {p.argmax()} (p = {p.max():.2f})", fontsize=9)
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for ax, (name, attr) in zip(axes[1:], methods.items()):
        viz.heatmap(ax, x, attr.values[0], name)
    fig.suptitle(
        f"Six explanations of why the CNN calls this {y_test[i]} a {p.argmax()} (red: for, blue: against). "
        "Which one is right?",
        fontsize=11,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
