"""viz.compare: several explanations of the same inputs side by side (images) or stacked (text)."""

import matplotlib
import numpy as np
import pytest

from xai_teach import explain, viz

matplotlib.use("Agg")


def test_compare_images_draws_one_row_per_digit_and_one_column_per_method(zoo, digits):
    import matplotlib.pyplot as plt

    model = zoo("mnist_cnn")
    x, _ = digits
    attrs = [explain.saliency(model, x[:3]), explain.gradcam(model, x[:3]), explain.occlusion(model, x[:3])]
    fig = viz.compare(attrs)
    axes = np.array(fig.axes).reshape(3, 4)
    assert [ax.get_title() for ax in axes[0]] == ["input", "saliency", "gradcam", "occlusion"]
    plt.close(fig)
    fig = viz.compare({"A": attrs[0], "B": attrs[1]}, index=[2])
    assert len(fig.axes) == 3 and fig.axes[1].get_title() == "A"
    plt.close(fig)


def test_compare_text_stacks_one_line_per_method(zoo):
    model = zoo("imdb_transformer")
    reviews = ["a wonderful film", "a dull and tedious film"]
    html = str(viz.compare([explain.attention(model, reviews), explain.gradient_x_input(model, reviews)], index=1))
    assert html.count("evidence for") == 2 and "attention" in html and "gradient_x_input" in html
    assert "tedious" in html and "wonderful" not in html


def test_compare_refuses_different_inputs(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    with pytest.raises(ValueError, match="other inputs"):
        viz.compare([explain.saliency(model, x[:2]), explain.saliency(model, x[2:4])])
    with pytest.raises(TypeError, match="Attribution"):
        viz.compare([explain.saliency(model, x[:2]), np.zeros((2, 28, 28))])
    with pytest.raises(ValueError, match="empty"):
        viz.compare([])
