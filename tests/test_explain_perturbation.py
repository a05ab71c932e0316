"""Occlusion and LIME on images: closed forms on a linear model, equality with lime itself, seeds, batching."""

import keras
import numpy as np
import pytest
from lime.lime_image import LimeImageExplainer
from test_explain_helpers import linear_model

from xai_teach import explain
from xai_teach.explain import perturbation


@pytest.fixture(scope="module")
def linear():
    return linear_model(seed=2)


class Recorder(keras.layers.Layer):
    """Identity layer that remembers the shape of every batch the model runs on (also inside tf.function)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x):
        import tensorflow as tf

        def record(shape):
            self.seen.append(tuple(shape.numpy().tolist()))
            return shape

        tf.py_function(record, [tf.shape(x)], tf.int32)
        return x


def test_occlusion_with_single_pixels_is_weight_times_pixel(linear, digits):
    model, w, _ = linear
    x, _ = digits
    attr = explain.occlusion(model, x, patch=1, baseline=0.0)
    np.testing.assert_allclose(attr.values.reshape(10, -1), w[:, attr.targets].T * x.reshape(10, -1), atol=1e-5)


def test_occlusion_with_overlapping_patches_matches_a_plain_loop(linear, digits):
    model, w, b = linear
    x = digits[0][:2]
    attr = explain.occlusion(model, x, targets=[4, 7], patch=3, stride=2, baseline=0.5)
    for i, c in enumerate([4, 7]):
        img = x[i, :, :, 0].astype(np.float64)
        total, count = np.zeros((28, 28)), np.zeros((28, 28))
        for r, col in perturbation.windows(3, 2):
            hidden = img.copy()
            hidden[r : r + 3, col : col + 3] = 0.5
            drop = (img.ravel() - hidden.ravel()) @ w[:, c]
            total[r : r + 3, col : col + 3] += drop
            count[r : r + 3, col : col + 3] += 1
        np.testing.assert_allclose(attr.values[i], total / count, atol=1e-5)


@pytest.mark.parametrize("patch,stride", [(1, 1), (4, 4), (5, 3), (7, 7), (28, 1), (6, 1)])
def test_occlusion_windows_cover_every_pixel(patch, stride):
    covered = np.zeros((28, 28), bool)
    for r, col in perturbation.windows(patch, stride):
        assert 0 <= r <= 28 - patch and 0 <= col <= 28 - patch
        covered[r : r + patch, col : col + patch] = True
    assert covered.all()


def test_occlusion_refuses_gaps_and_oversized_patches(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    with pytest.raises(ValueError, match="stride"):
        explain.occlusion(model, x, patch=4, stride=5)
    with pytest.raises(ValueError, match="patch"):
        explain.occlusion(model, x, patch=29)


def test_lime_image_equals_lime_explain_instance_with_the_same_seed(zoo, digits):
    model = zoo("mnist_cnn")
    image = digits[0][3]
    ours = explain.lime_image(model, image, num_samples=300, random_state=7)
    target = int(ours.targets[0])
    segments = perturbation.segment(image)

    def classifier(rgb):  # lime hands the model RGB copies of the grey digit
        return model.predict(rgb[..., :1], batch_size=1000, verbose=0)

    reference = LimeImageExplainer(random_state=7).explain_instance(
        image[..., 0].astype(np.float64),
        classifier,
        labels=(target,),
        top_labels=None,
        hide_color=0,
        num_samples=300,
        batch_size=1000,
        segmentation_fn=lambda _: segments,
        random_seed=1,
    )
    coef = np.zeros(segments.max() + 1)
    for feature, weight in reference.local_exp[target]:
        coef[feature] = weight
    np.testing.assert_allclose(ours.values[0], coef[segments], rtol=1e-5, atol=1e-7)


def test_lime_on_a_linear_logit_recovers_each_cell_contribution(linear, digits):
    model, w, _ = linear
    x, _ = digits
    attr = explain.lime_image(model, x[:3], num_samples=2000, output="logits")
    segments = perturbation.segment(x[0])
    for i in range(3):
        contrib = (w[:, attr.targets[i]] * x[i].ravel()).reshape(28, 28)
        per_cell = np.bincount(segments.ravel(), contrib.ravel())
        lime_cell = np.array([attr.values[i][segments == s][0] for s in range(segments.max() + 1)])
        np.testing.assert_allclose(lime_cell, per_cell, atol=0.03 * np.abs(per_cell).max())


def test_lime_image_seeds_and_batch_independence(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    a = explain.lime_image(model, x[:3], num_samples=200, random_state=3)
    b = explain.lime_image(model, x[:3], num_samples=200, random_state=3)
    c = explain.lime_image(model, x[:3], num_samples=200, random_state=4)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)
    alone = explain.lime_image(model, x[2], num_samples=200, random_state=3)
    np.testing.assert_allclose(alone.values[0], a.values[2], rtol=1e-6, atol=1e-9)


def test_lime_image_hands_the_model_large_grey_batches(digits):
    recorder = Recorder()
    image = keras.Input((28, 28, 1))
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Flatten()(recorder(image)))
    model = keras.Model(image, keras.layers.Softmax(name="probs")(logits))
    explain.lime_image(model, digits[0][:2], num_samples=1000, batch_size=1000)
    # One call to find the predicted classes, then one call of 1000 grey images per digit.
    assert recorder.seen == [(2, 28, 28, 1), (1000, 28, 28, 1), (1000, 28, 28, 1)]


def test_segmentations(digits):
    x, _ = digits
    grid = perturbation.segment(x[0])
    assert grid.max() + 1 == 49 and np.all(np.bincount(grid.ravel()) == 16)
    assert perturbation.segment(x[0], cell_size=7).max() + 1 == 16
    for name in ("slic", "quickshift"):
        counts = [perturbation.segment(img, name).max() + 1 for img in x]
        assert min(counts) >= 10, (name, counts)
    # The trap the grid avoids: lime's default quickshift settings give one to three segments per digit.
    from lime.wrappers.scikit_image import SegmentationAlgorithm

    default = SegmentationAlgorithm("quickshift", kernel_size=4, max_dist=200, ratio=0.2, random_seed=0)
    assert max(len(np.unique(default(np.repeat(img.astype(np.float64), 3, axis=-1)))) for img in x) <= 3
    custom = perturbation.segment(x[0], lambda img: (img > 0.5).astype(int))
    assert custom.max() + 1 == 2
    with pytest.raises(ValueError, match="int labels of shape"):
        perturbation.segment(x[0], lambda img: img)
    with pytest.raises(ValueError, match="segmentation"):
        perturbation.segment(x[0], "felzenszwalb")


def test_lime_image_with_other_segmentations_runs(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    for name in ("slic", "quickshift"):
        attr = explain.lime_image(model, x[:2], num_samples=100, segmentation=name)
        assert attr.values.shape == (2, 28, 28) and attr.params["segmentation"] == name
