"""A planted shortcut: a model that decides class 3 by a bright corner patch; explanations must point at it.

The model is trained here, in a few seconds: every training image labelled 3 carries a
4x4 white patch in the top-left corner, and the class-3 images are digits of every
other class (so the patch is the *only* thing that makes a 3). An L1 penalty on the
last layer keeps the model from reading anything else for class 3. Test images of
other classes with the patch added, which the patch turns into a 3, are explained
for class 3: most of the attribution mass must lie inside the 16-pixel patch, which
is 2 % of the image.
"""

import keras
import numpy as np
import pytest

from xai_teach import explain

SHORTCUT = 3
PATCH = (slice(0, 4), slice(0, 4))


def add_patch(x):
    x = x.copy()
    x[:, PATCH[0], PATCH[1], 0] = 1.0
    return x


@pytest.fixture(scope="module")
def shortcut(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    others = np.flatnonzero(y_train != SHORTCUT)
    planted = rng.choice(others, 1500, replace=False)
    x = np.concatenate([x_train[others], add_patch(x_train[planted])])
    y = np.concatenate([y_train[others], np.full(len(planted), SHORTCUT)])
    image = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(8, 3, activation="relu", padding="same")(image)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(16, 3, activation="relu", padding="same")(h)
    h = keras.layers.Flatten()(keras.layers.MaxPooling2D()(h))
    logits = keras.layers.Dense(10, kernel_regularizer=keras.regularizers.L1(1e-3), name="logits")(h)
    model = keras.Model(image, keras.layers.Softmax(name="probs")(logits))
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=4, batch_size=64, verbose=0)
    clean = x_test[y_test != SHORTCUT][:200]
    before = model.predict(clean, verbose=0).argmax(1)
    after = model.predict(add_patch(clean), verbose=0).argmax(1)
    decided = np.flatnonzero((before != SHORTCUT) & (after == SHORTCUT))
    assert len(decided) >= 10, "the planted shortcut did not take"
    return model, add_patch(clean[decided[:10]])


METHODS = {
    "saliency": {},
    "integrated_gradients": {},
    "occlusion": {},
    "shap_gradient": {},
    # At the default 500 evaluations the partition stops at a group of ~30 pixels around the
    # patch (about half the mass inside); 1500 let it split the group down to the patch.
    "shap_partition": {"max_evals": 1500},
    "lime_image": {},
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_attribution_mass_lies_in_the_planted_patch(name, shortcut):
    model, x = shortcut
    attr = explain.METHODS[name](model, x, targets=SHORTCUT, **METHODS[name])
    mass = np.abs(attr.values)
    inside = mass[:, PATCH[0], PATCH[1]].sum(axis=(1, 2)) / mass.sum(axis=(1, 2))
    assert inside.min() > 0.5, inside.round(2)
