"""Bad input, drawn by hypothesis, for every public function of ``data``, ``explain`` and ``metrics``.

Hypothesis draws malformed arrays (any shape, any dtype, NaN and inf), empty batches, odd strings
(blank, control characters, emoji, right-to-left, 5,000 characters) and objects of the wrong type.
Each call must either work, returning finite values of the promised shape, or raise a ValueError or
TypeError whose message is not empty. Any other exception fails the test, and so does a NaN returned
without a warning or a call that runs past the deadline. The draws are derandomised, so CI sees the
same examples every run; `HYPOTHESIS_PROFILE=explore` draws fresh, more numerous ones.
"""

import datetime
import os
import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_explain_helpers import FAST, run_python

import xai_teach.explain as explain
from xai_teach import data, metrics

_COMMON = dict(
    deadline=datetime.timedelta(seconds=60),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    database=None,
)
settings.register_profile("ci", derandomize=True, max_examples=24, **_COMMON)
settings.register_profile("explore", max_examples=200, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FEW = settings(settings.get_profile(PROFILE), max_examples=settings.get_profile(PROFILE).max_examples // 2)
MANY = settings(settings.get_profile(PROFILE), max_examples=settings.get_profile(PROFILE).max_examples * 3)
settings.load_profile(PROFILE)

# --------------------------------------------------------------------------- strategies


def half(good, bad):
    """Draw from ``good`` half of the time (``one_of`` would weight every branch of ``bad`` equally)."""
    return st.booleans().flatmap(lambda ok: good if ok else bad)


SPECIALS = [np.nan, np.inf, -np.inf, -0.5, 1.5, 255.0, -0.0, 1e-45]
IMAGE_SHAPES = [(1, 28, 28, 1), (3, 28, 28, 1), (2, 28, 28), (28, 28), (28, 28, 1), (0, 28, 28, 1)]
ODD_SHAPES = [(2, 784), (2, 28, 28, 3), (1, 27, 28, 1), (2, 1, 28, 28), (0,), (), (28,), (1, 1, 28, 28, 1)]
DTYPES = ["float16", "float32", "float64", "int8", "int64", "uint8", "bool", "complex64", "U3"]


@st.composite
def images(draw, shapes=IMAGE_SHAPES):
    """Arrays of image shape in [0, 1], sometimes with one special value (NaN, inf, -0.5, 255, ...) planted."""
    shape = draw(st.sampled_from(shapes))
    dtype = draw(st.sampled_from(["float16", "float32", "float64"]))
    arr = draw(hnp.arrays(dtype, shape, elements=st.floats(0, 1, width=16), fill=st.floats(0, 1, width=16)))
    if arr.size and draw(st.integers(0, 2)) == 0:
        arr.flat[draw(st.integers(0, arr.size - 1))] = draw(st.sampled_from(SPECIALS))
    return arr


def junk():
    """Objects of the wrong kind: None, scalars, strings, bytes, ragged lists, dicts, arrays of any dtype."""
    arrays = hnp.arrays(st.sampled_from(DTYPES), st.sampled_from(ODD_SHAPES + IMAGE_SHAPES[:2]))
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=10),
        st.binary(max_size=10),
        st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3), st.none()), max_size=4),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        arrays,
    )


def image_inputs():
    return st.one_of(
        images(), images(ODD_SHAPES), hnp.arrays(st.sampled_from(DTYPES), st.sampled_from(IMAGE_SHAPES)), junk()
    )


ODD_STRINGS = [
    "",
    " ",
    "\n\t ",
    "!!!",
    "<br /><br />",
    "\x00\x01",
    "\u200b\u200b",
    "😀" * 40,
    "שלום עולם",
    "[UNK] <pad> [MASK]",
    "a" * 5000,
    "the movie " * 400,
    "not good at all",
]


def review():
    return st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=60))


def text_inputs():
    """Half odd reviews (one str, a list, a numpy array of str), half lists with non-str items and junk."""
    reviews = st.one_of(
        review(), st.lists(review(), min_size=1, max_size=3), st.lists(review(), max_size=3).map(np.array)
    )
    malformed = st.one_of(
        st.lists(st.one_of(review(), st.integers(), st.none(), st.binary(max_size=4)), max_size=3), junk()
    )
    return half(reviews, malformed)


def targets():
    """None (the predicted class) half of the time, else ints in and out of range, lists, floats, junk."""
    shapes = st.sampled_from([(1,), (2,), (3,), (2, 1)])
    other = st.one_of(
        st.integers(-2, 11),
        st.lists(st.integers(-1, 10), max_size=4),
        st.floats(),
        st.booleans(),
        st.text(max_size=2),
        hnp.arrays(st.sampled_from(["int64", "float32", "uint8"]), shapes),
    )
    return half(st.none(), other)


# --------------------------------------------------------------------------- the property


def works_or_says_why(call):
    """Run ``call``; return its result, or None after a ValueError/TypeError with a message.

    Any other exception propagates and fails the test. A result holding NaN must come with a warning
    that says so.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except (ValueError, TypeError) as err:
            assert str(err).strip(), f"{type(err).__name__} without a message"
            return None
    if not any(issubclass(w.category, UserWarning) and "NaN" in str(w.message) for w in caught):
        assert_finite(result)  # NaN only with a warning that says so (numpy's RuntimeWarnings do not count)
    return result


def assert_finite(result):
    if isinstance(result, explain.Attribution):
        assert all(np.all(np.isfinite(np.asarray(v, dtype=np.float64))) for v in result.values), "NaN in attribution"
    elif isinstance(result, metrics.Result):
        assert np.all(np.isfinite(result.scores)), "NaN in scores without a warning"
    elif isinstance(result, pd.DataFrame):
        numeric = result.select_dtypes("number")
        assert np.all(np.isfinite(numeric.to_numpy(dtype=np.float64))), "NaN in frame without a warning"
    elif isinstance(result, (float, np.floating, np.ndarray)):
        assert np.all(np.isfinite(result)), "NaN returned without a warning"


def check_image_attribution(attr, inputs):
    if attr is not None:
        n = 1 if np.shape(inputs) in ((28, 28), (28, 28, 1)) else len(inputs)
        assert attr.values.shape == (n, 28, 28) and len(attr.targets) == n


def check_text_attribution(attr):
    if attr is not None:
        assert len(attr.values) == len(attr.tokens) == len(attr.targets)
        assert all(np.shape(v) == (len(t),) for v, t in zip(attr.values, attr.tokens))


# --------------------------------------------------------------------------- data


@MANY
@given(source=st.one_of(st.text(max_size=10).filter(lambda s: s not in ("keras", "full")), junk()))
def test_data_loaders_refuse_unknown_sources(source):
    for load in (data.load_mnist, data.load_imdb):
        if isinstance(source, str) and source == "embedded":
            assert len(load(source)) == 2
        else:
            with pytest.raises(ValueError, match="source must be one of"):
                load(source)


@MANY
@given(text=st.one_of(review(), st.text(), junk()))
def test_clean_review_on_odd_strings(text):
    out = works_or_says_why(lambda: data.clean_review(text))
    if isinstance(text, str):
        assert isinstance(out, str) and not re.search(r"<br\s*/?>", out, re.IGNORECASE)
    else:
        assert out is None


@MANY
@given(
    relpath=st.one_of(st.text(max_size=20), st.sampled_from(["../pyproject.toml", "/etc/passwd", "data", ""]), junk())
)
def test_asset_path_refuses_anything_not_shipped(relpath):
    assert works_or_says_why(lambda: data.asset_path(relpath)) is None


@MANY
@given(archive=st.one_of(st.text(max_size=20), st.sampled_from(["/", "/etc/hostname", "."]), junk()))
def test_read_aclimdb_refuses_what_is_not_an_archive(archive):
    assert works_or_says_why(lambda: data.read_aclimdb(archive)) is None


def test_provenance_describes_both_samples():
    assert set(data.provenance()) == {"mnist", "imdb"}


# --------------------------------------------------------------------------- explain

IMAGE = sorted(set(explain.IMAGE_METHODS) - {"shap_deep"})  # shap_deep: see test_shap_deep_on_bad_images
TEXT = sorted(explain.TEXT_METHODS)


@pytest.mark.parametrize("name", IMAGE)
@given(inputs=image_inputs(), target=targets())
def test_image_explainers_work_or_say_why(name, inputs, target, zoo):
    model = zoo("mnist_cnn")
    attr = works_or_says_why(lambda: explain.METHODS[name](model, inputs, target, **FAST.get(name, {})))
    check_image_attribution(attr, inputs)


@pytest.mark.parametrize("name", TEXT)
@given(
    inputs=text_inputs(), target=targets(), model_name=st.sampled_from(["imdb_bow", "imdb_lstm", "imdb_transformer"])
)
def test_text_explainers_work_or_say_why(name, inputs, target, model_name, zoo):
    model = zoo("imdb_transformer" if name == "attention" else model_name)
    attr = works_or_says_why(lambda: explain.METHODS[name](model, inputs, target, **FAST.get(name, {})))
    check_text_attribution(attr)


@given(inputs=text_inputs())
def test_tokenize_works_or_says_why(inputs, zoo):
    tokens = works_or_says_why(lambda: explain.tokenize(zoo("imdb_lstm"), inputs))
    if tokens is not None:
        assert all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in tokens)


@FEW
@given(inputs=st.one_of(st.none(), image_inputs()), target=targets(), top=st.one_of(st.integers(-1, 6), junk()))
def test_global_explainers_work_or_say_why(inputs, target, top, zoo):
    cnn, linear = zoo("mnist_cnn"), zoo("mnist_linear")
    works_or_says_why(lambda: explain.linear_weights(linear, inputs, target))
    works_or_says_why(lambda: explain.activation_maximization(cnn, None, target, steps=3))
    works_or_says_why(lambda: explain.global_shap(cnn, inputs, target, **FAST["global_shap"]))
    works_or_says_why(lambda: explain.class_prototypes(cnn, inputs, target, top=top))


@FEW
@given(
    values=st.one_of(images(), images(ODD_SHAPES), junk()),
    target=targets(),
    method=st.one_of(st.text(max_size=5), junk()),
)
def test_attribution_refuses_values_that_do_not_fit(values, target, method, digits):
    works_or_says_why(lambda: explain.Attribution(values, digits[0][:2], target, method))


SHAP_DEEP = """
import json, sys
sys.path.insert(0, "tests")
from hypothesis import given
import test_properties as p
from xai_teach import explain, models

model = models.load_pretrained("mnist_cnn")

@given(inputs=p.image_inputs(), target=p.targets())
def prop(inputs, target):
    attr = p.works_or_says_why(lambda: explain.shap_deep(model, inputs, target, background_size=10))
    p.check_image_attribution(attr, inputs)

prop()
print(json.dumps({"ok": True}))
"""


def test_shap_deep_works_or_says_why():
    """The same property for shap_deep, in its own process (a shap failure would corrupt TF's gradients here)."""
    assert run_python(SHAP_DEEP) == {"ok": True}


# --------------------------------------------------------------------------- metrics

FAITHFULNESS = {
    "deletion": {"steps": 4},
    "insertion": {"steps": 4},
    "faithfulness_correlation": {"n_subsets": 5},
    "faithfulness_estimate": {"patch_size": 7},
    "pixel_flipping": {"pixels_per_step": 98},
    "localisation": {},
}


def attributions():
    """Attributions for 2 digits: arrays of the right shape with specials, wrong shapes and dtypes, junk."""
    return st.one_of(
        images([(2, 28, 28)]),
        images([(1, 28, 28), (3, 28, 28), (2, 28, 28, 1), (2, 784)]),
        hnp.arrays(st.sampled_from(DTYPES), st.just((2, 28, 28))),
        st.just(explain.saliency),
        junk(),
    )


@pytest.mark.parametrize("name", sorted(FAITHFULNESS))
@given(attribution=attributions(), target=targets(), use_digits=st.booleans(), inputs=image_inputs())
def test_faithfulness_metrics_work_or_say_why(name, attribution, target, use_digits, inputs, zoo, digits):
    x = digits[0][:2] if use_digits else inputs
    params = FAITHFULNESS[name]
    if name == "localisation":
        params = {"mask": np.zeros((2, 28, 28), bool) | (np.arange(28) < 5)}
    works_or_says_why(lambda: getattr(metrics, name)(zoo("mnist_cnn"), x, attribution, target, **params))


@pytest.mark.parametrize("name", ["deletion", "faithfulness_correlation", "localisation"])
@given(value=st.one_of(st.integers(-3, 3), st.floats(), st.text(max_size=4), junk()))
def test_metric_parameters_work_or_say_why(name, value, zoo, digits):
    x = digits[0][:2]
    attr = np.random.default_rng(0).random((2, 28, 28))
    key = {"deletion": "steps", "faithfulness_correlation": "subset_size", "localisation": "mask"}[name]
    works_or_says_why(lambda: getattr(metrics, name)(zoo("mnist_cnn"), x, attr, **{key: value}))


@pytest.mark.parametrize("name", ["deletion", "insertion"])
@given(inputs=text_inputs(), target=targets())
def test_text_deletion_works_or_says_why(name, inputs, target, zoo):
    model = zoo("imdb_lstm")

    def call():
        attr = explain.lime_text(model, inputs, target, num_samples=50)
        return getattr(metrics, name)(model, attr.inputs, attr, target, steps=3)

    works_or_says_why(call)


@FEW
@pytest.mark.parametrize("name", ["local_lipschitz", "max_sensitivity", "seed_variance", "cascading_randomisation"])
@given(
    explain_fn=st.one_of(st.just(explain.saliency), st.just(explain.occlusion), junk()),
    inputs=st.one_of(st.just(None), image_inputs()),
    value=st.one_of(st.integers(-1, 3), st.floats(), junk()),
)
def test_stability_metrics_work_or_say_why(name, explain_fn, inputs, value, zoo, digits):
    x = digits[0][:2] if inputs is None else inputs
    key = {"local_lipschitz": "epsilon", "max_sensitivity": "n_samples", "seed_variance": "n_seeds"}.get(name, "seed")
    works_or_says_why(lambda: getattr(metrics, name)(zoo("mnist_cnn"), x, explain_fn, **{key: value}))


@FEW
@given(
    sizes=st.one_of(st.lists(st.integers(-5, 30), max_size=3), junk()),
    epochs=st.one_of(st.integers(-1, 1), junk()),
    train=st.one_of(st.none(), junk()),
)
def test_randomisation_checks_work_or_say_why(sizes, epochs, train, zoo, digits, mnist):
    x = digits[0][:2]
    (x_train, y_train), _ = mnist
    works_or_says_why(lambda: metrics.background_ablation(zoo("mnist_cnn"), x, explain.shap_gradient, sizes=sizes))
    small = (x_train[::250], y_train[::250]) if train is None else train
    works_or_says_why(
        lambda: metrics.label_randomisation(zoo("mnist_cnn"), x, explain.saliency, train=small, epochs=epochs)
    )


@MANY
@given(
    a=st.one_of(
        images([(2, 28, 28), (28, 28), (5,), (0,)]), hnp.arrays(st.sampled_from(DTYPES), st.just((5,))), junk()
    ),
    b=st.one_of(images([(2, 28, 28), (28, 28), (5,), (0,)]), junk()),
    k=st.one_of(st.integers(-1, 800), junk()),
)
def test_rank_comparisons_work_or_say_why(a, b, k):
    works_or_says_why(lambda: metrics.spearman(a, b))
    works_or_says_why(lambda: metrics.kendall(a, b))
    works_or_says_why(lambda: metrics.top_k_overlap(a, b, k=k))


@FEW
@given(b=attributions(), k=st.one_of(st.integers(-1, 800), junk()))
def test_agreement_works_or_says_why(b, k, zoo, digits):
    x = digits[0][:2]
    a = explain.saliency(zoo("mnist_cnn"), x)
    works_or_says_why(lambda: metrics.agreement(zoo("mnist_cnn"), x, a, b, k=k))


@FEW
@given(
    explainers=st.one_of(
        st.dictionaries(st.text(max_size=4), st.one_of(st.just(explain.saliency), junk()), max_size=2), junk()
    ),
    which=st.one_of(
        st.lists(st.sampled_from(["deletion", "lipschitz", "faithfulness", "nonsense"]), max_size=2), junk()
    ),
)
def test_report_and_summary_work_or_say_why(explainers, which, zoo, digits):
    df = works_or_says_why(lambda: metrics.report(zoo("mnist_cnn"), digits[0][:2], explainers, metrics=which))
    for frame in (df, explainers):
        works_or_says_why(lambda frame=frame: metrics.summary(frame))
        works_or_says_why(lambda frame=frame: metrics.plot_report(frame))
        plt.close("all")
