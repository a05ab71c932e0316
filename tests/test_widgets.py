"""Widget callbacks, driven from Python: the same compute function feeds the live view and the static grid."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from xai_teach import models, widgets  # noqa: E402


def test_occlusion_compute_matches_a_direct_prediction(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    explorer = widgets.occlusion_explorer(model, x[3])
    result = explorer.compute(row=5, col=6, size=4)
    expected = x[3].copy()
    expected[5:9, 6:10] = 0
    np.testing.assert_array_equal(result["image"], expected)
    np.testing.assert_allclose(result["probs"], models.predict_proba(model, expected[None])[0], rtol=1e-5)


def test_occluding_the_whole_digit_changes_the_prediction(zoo, digits):
    model = zoo("mnist_cnn")
    x, y = digits
    explorer = widgets.occlusion_explorer(model, x[8])
    assert explorer.compute(row=0, col=0, size=1)["probs"].argmax() == y[8]
    empty = explorer.compute(row=0, col=0, size=28)
    assert not np.any(empty["image"]) and empty["probs"].max() < 0.99


def test_moving_a_slider_redraws(zoo, digits):
    explorer = widgets.occlusion_explorer(zoo("mnist_linear"), digits[0][1])
    box = explorer.widget()
    assert isinstance(box, w.VBox)
    seen = []
    original = explorer.compute
    explorer.compute = lambda **s: seen.append(s) or original(**s)
    explorer.controls["row"].value = 3
    explorer.controls["size"].value = 5
    assert seen[-1] == {"row": 3, "col": 10, "size": 5}


def test_static_grid_has_one_row_per_setting(zoo, digits):
    explorer = widgets.occlusion_explorer(zoo("mnist_linear"), digits[0][2])
    fig = explorer.static([{"row": 0, "col": 0}, {"row": 10, "col": 10}, {"size": 14}])
    assert len(fig.axes) == 6


def test_explorer_refuses_a_batch(zoo, digits):
    with pytest.raises(ValueError, match="one image"):
        widgets.occlusion_explorer(zoo("mnist_linear"), digits[0][:2])
