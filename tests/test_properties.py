"""Bad input, drawn by hypothesis, for every public function of ``data``, ``explain`` and ``metrics``.

Hypothesis draws malformed arrays (any shape, any dtype, NaN and inf), empty batches, odd strings
(blank, control characters, emoji, right-to-left, 5,000 characters) and objects of the wrong type.
Each call must either work, returning finite values of the promised shape, or raise a ValueError or
TypeError whose message is not empty. Any other exception fails the test, and so does a NaN returned
without a warning or a call that runs past the deadline. The draws are derandomised, so CI sees the
same examples every run; `HYPOTHESIS_PROFILE=explore` draws fresh, more numerous ones.
"""

import datetime
import functools
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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
PROFILE = settings.default
FEW = settings(PROFILE, max_examples=PROFILE.max_examples // 2)  # the slow ones (each example trains or re-explains)
MANY = settings(PROFILE, max_examples=PROFILE.max_examples * 3)  # the fast ones

# --------------------------------------------------------------------------- strategies
# Each test draws a well-formed argument (which may still hold one special value or be empty) and a
# malformed one, and calls the function with each, so that every example exercises both paths.

SPECIALS = [np.nan, np.inf, -np.inf, -0.5, 1.5, 255.0, -0.0, 1e-45]
IMAGE_SHAPES = [(1, 28, 28, 1), (3, 28, 28, 1), (2, 28, 28), (28, 28), (28, 28, 1), (0, 28, 28, 1)]
ODD_SHAPES = [(2, 784), (2, 28, 28, 3), (1, 27, 28, 1), (2, 1, 28, 28), (0,), (), (28,), (1, 1, 28, 28, 1)]
DTYPES = ["float16", "float32", "float64", "int8", "int64", "uint8", "bool", "complex64", "U3"]


@st.composite
def images(draw, shapes=IMAGE_SHAPES, special=True):
    """Float arrays in [0, 1]; with ``special``, a third of them get one NaN, inf, -0.5, 255, ... planted."""
    shape = draw(st.sampled_from(shapes))
    dtype = draw(st.sampled_from(["float16", "float32", "float64"]))
    arr = draw(hnp.arrays(dtype, shape, elements=st.floats(0, 1, width=16), fill=st.floats(0, 1, width=16)))
    if special and arr.size and draw(st.integers(0, 2)) == 0:
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


def bad_images():
    """Arrays of the wrong shape or dtype, and junk."""
    return st.one_of(images(ODD_SHAPES), hnp.arrays(st.sampled_from(DTYPES), st.sampled_from(IMAGE_SHAPES)), junk())


ODD_STRINGS = [
    "",
    " ",
    "\n\t ",
    "!!!",
    "<br /><br />",
    "\x00\x01",
    "\u200b\u200b",
    "\U0001f600" * 40,
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "[UNK] <pad> [MASK]",
    "a" * 5000,
    "the movie " * 400,
    "not good at all",
]


def review():
    """One odd string: blank, control characters, emoji, right-to-left, 5,000 characters, or any text."""
    return st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=60))


def reviews():
    """One odd review, a list of them, or a numpy array of them."""
    return st.one_of(review(), st.lists(review(), min_size=1, max_size=3), st.lists(review(), max_size=3).map(np.array))


def bad_reviews():
    """Lists with non-str items, and junk."""
    return st.one_of(st.lists(st.one_of(review(), st.integers(), st.none(), st.binary(max_size=4)), max_size=3), junk())


def bad_targets():
    """Class indices out of range, of the wrong length or dtype, floats, bools, strings."""
    shapes = st.sampled_from([(1,), (2,), (3,), (2, 1)])
    return st.one_of(
        st.integers(-2, 11),
        st.lists(st.integers(-1, 10), max_size=4),
        st.floats(),
        st.booleans(),
        st.text(max_size=2),
        hnp.arrays(st.sampled_from(["int64", "float32", "uint8"]), shapes),
    )


# --------------------------------------------------------------------------- the property


def works_or_says_why(fn, *args, **kwargs):
    """Return ``fn(*args, **kwargs)``, or None after a ValueError/TypeError with a message.

    Any other exception propagates and fails the test. A result holding NaN must come with a warning
    that says so.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
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
    out = works_or_says_why(data.clean_review, text)
    if isinstance(text, str):
        assert isinstance(out, str) and not re.search(r"<br\s*/?>", out, re.IGNORECASE)
    else:
        assert out is None


@MANY
@given(
    relpath=st.one_of(st.text(max_size=20), st.sampled_from(["../pyproject.toml", "/etc/passwd", "data", ""]), junk())
)
def test_asset_path_refuses_anything_not_shipped(relpath):
    assert works_or_says_why(data.asset_path, relpath) is None


@MANY
@given(archive=st.one_of(st.text(max_size=20), st.sampled_from(["/", "/etc/hostname", "."]), junk()))
def test_read_aclimdb_refuses_what_is_not_an_archive(archive):
    assert works_or_says_why(data.read_aclimdb, archive) is None


def test_provenance_describes_both_samples():
    assert set(data.provenance()) == {"mnist", "imdb"}


# --------------------------------------------------------------------------- explain

IMAGE = sorted(set(explain.IMAGE_METHODS) - {"shap_deep"})  # shap_deep: test_shap_deep_works_or_says_why
TEXT = sorted(explain.TEXT_METHODS)


def calls(good, bad, target):
    """The argument pairs to try: well-formed inputs with no target and with a bad one, then bad inputs."""
    return [(good, None), (good, target), (bad, None)]


@pytest.mark.parametrize("name", IMAGE)
@given(good=images(), bad=bad_images(), target=bad_targets())
def test_image_explainers_work_or_say_why(name, good, bad, target, zoo):
    for inputs, t in calls(good, bad, target):
        attr = works_or_says_why(explain.METHODS[name], zoo("mnist_cnn"), inputs, t, **FAST.get(name, {}))
        check_image_attribution(attr, inputs)


@pytest.mark.parametrize("name", TEXT)
@given(good=reviews(), bad=bad_reviews(), target=bad_targets(), model=st.sampled_from(["imdb_bow", "imdb_lstm"]))
def test_text_explainers_work_or_say_why(name, good, bad, target, model, zoo):
    model = zoo("imdb_transformer" if name == "attention" else model)
    for inputs, t in calls(good, bad, target):
        attr = works_or_says_why(explain.METHODS[name], model, inputs, t, **FAST.get(name, {}))
        check_text_attribution(attr)


@given(good=reviews(), bad=bad_reviews())
def test_tokenize_works_or_says_why(good, bad, zoo):
    for inputs in (good, bad):
        tokens = works_or_says_why(explain.tokenize, zoo("imdb_lstm"), inputs)
        if tokens is not None:
            assert all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in tokens)


@FEW
@given(good=images(), bad=bad_images(), target=bad_targets(), top=st.one_of(st.integers(-1, 6), junk()))
def test_global_explainers_work_or_say_why(good, bad, target, top, zoo):
    cnn, linear = zoo("mnist_cnn"), zoo("mnist_linear")
    for inputs, t in calls(good, bad, target):
        works_or_says_why(explain.linear_weights, linear, inputs, t)
        works_or_says_why(explain.global_shap, cnn, inputs, t, **FAST["global_shap"])
        works_or_says_why(explain.class_prototypes, cnn, inputs, t, top=top)
    works_or_says_why(explain.activation_maximization, cnn, None, target, steps=3)


@FEW
@given(
    values=st.one_of(images([(2, 28, 28)]), images(ODD_SHAPES), junk()),
    target=st.one_of(st.just([1, 2]), bad_targets()),
    method=st.one_of(st.just("saliency"), junk()),
)
def test_attribution_refuses_values_that_do_not_fit(values, target, method, digits):
    attr = works_or_says_why(explain.Attribution, values, digits[0][:2], target, method)
    if attr is not None:
        assert attr.values.shape == (2, 28, 28) and attr.targets.dtype == np.int64


SHAP_DEEP = """
import json, sys
sys.path.insert(0, "tests")
from hypothesis import given
import test_properties as p
from xai_teach import explain, models

model = models.load_pretrained("mnist_cnn")

@given(good=p.images(), bad=p.bad_images(), target=p.bad_targets())
def prop(good, bad, target):
    for inputs, t in p.calls(good, bad, target):
        attr = p.works_or_says_why(explain.shap_deep, model, inputs, t, background_size=10)
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
    "localisation": {"mask": np.broadcast_to(np.arange(28) < 5, (2, 28, 28))},
}


def bad_attributions():
    """Attributions for 2 digits with the wrong shape or dtype, and junk."""
    odd = images([(1, 28, 28), (3, 28, 28), (2, 28, 28, 1), (2, 784)])
    return st.one_of(odd, hnp.arrays(st.sampled_from(DTYPES), st.just((2, 28, 28))), junk())


@pytest.mark.parametrize("name", sorted(FAITHFULNESS))
@given(good=images([(2, 28, 28)]), bad=bad_attributions(), x_bad=bad_images(), target=bad_targets())
def test_faithfulness_metrics_work_or_say_why(name, good, bad, x_bad, target, zoo, digits):
    metric, x = getattr(metrics, name), digits[0][:2]
    for inputs, attribution, t in [(x, good, None), (x, explain.saliency, target), (x, bad, None), (x_bad, good, None)]:
        works_or_says_why(metric, zoo("mnist_cnn"), inputs, attribution, t, **FAITHFULNESS[name])


PARAMETERS = {  # a parameter of each metric, with a strategy for its well-formed values
    ("deletion", "steps"): st.integers(1, 30),
    ("faithfulness_correlation", "subset_size"): st.integers(1, 784),
    ("localisation", "mask"): hnp.arrays(bool, st.sampled_from([(2, 28, 28), (28, 28)])),
}


@pytest.mark.parametrize("name,key", sorted(PARAMETERS))
@given(draw=st.data(), bad=st.one_of(st.integers(-3, 0), images([(2, 28, 28), (3, 28, 28)]), junk()))
def test_metric_parameters_work_or_say_why(name, key, draw, bad, zoo, digits):
    x, attr = digits[0][:2], np.random.default_rng(0).random((2, 28, 28))
    for value in (draw.draw(PARAMETERS[name, key]), bad):
        result = works_or_says_why(getattr(metrics, name), zoo("mnist_cnn"), x, attr, **{key: value})
        if result is not None:
            assert len(result.scores) == 2


@pytest.mark.parametrize("name", ["deletion", "insertion"])
@given(good=reviews(), target=bad_targets())
def test_text_deletion_works_or_says_why(name, good, target, zoo):
    model = zoo("imdb_lstm")
    attr = works_or_says_why(explain.lime_text, model, good, None, num_samples=50)
    if attr is not None:
        for t in (None, target):
            works_or_says_why(getattr(metrics, name), model, attr.inputs, attr, t, steps=3)


@FEW
@pytest.mark.parametrize(
    "name,key",
    [
        ("local_lipschitz", "epsilon"),
        ("max_sensitivity", "n_samples"),
        ("seed_variance", "n_seeds"),
        ("cascading_randomisation", "seed"),
    ],
)
@given(bad_fn=junk(), x_bad=bad_images(), value=st.one_of(st.integers(-1, 3), st.floats(), junk()))
def test_stability_metrics_work_or_say_why(name, key, bad_fn, x_bad, value, zoo, digits):
    metric, x = getattr(metrics, name), digits[0][:2]
    fn = functools.partial(explain.smoothgrad, samples=4)  # seeded, so seed_variance can vary its seed
    for inputs, f, params in [(x, fn, {}), (x, fn, {key: value}), (x, bad_fn, {}), (x_bad, fn, {})]:
        works_or_says_why(metric, zoo("mnist_cnn"), inputs, f, **params)


@FEW
@given(
    sizes=st.one_of(st.lists(st.integers(-5, 30), min_size=1, max_size=3), junk()),
    epochs=st.one_of(st.integers(-1, 1), junk()),
    train=junk(),
)
def test_randomisation_checks_work_or_say_why(sizes, epochs, train, zoo, digits, mnist):
    x, ((x_train, y_train), _) = digits[0][:2], mnist
    works_or_says_why(metrics.background_ablation, zoo("mnist_cnn"), x, explain.shap_gradient, sizes=sizes)
    for data_, n in [((x_train[::250], y_train[::250]), epochs), (train, 1)]:
        works_or_says_why(metrics.label_randomisation, zoo("mnist_linear"), x, explain.saliency, train=data_, epochs=n)


@MANY
@given(
    a=images([(2, 28, 28), (28, 28), (5,)], special=False),
    b=images([(2, 28, 28), (28, 28), (5,)]),
    bad=st.one_of(images([(0,), (3, 28, 28)]), hnp.arrays(st.sampled_from(DTYPES), st.just((5,))), junk()),
    k=st.one_of(st.integers(-1, 800), junk()),
)
def test_rank_comparisons_work_or_say_why(a, b, bad, k):
    for x, y in [(a, a), (a, b), (a, bad), (bad, a)]:
        works_or_says_why(metrics.spearman, x, y)
        works_or_says_why(metrics.kendall, x, y)
        works_or_says_why(metrics.top_k_overlap, x, y, k=k)


@FEW
@given(good=images([(2, 28, 28)]), bad=bad_attributions(), k=st.one_of(st.integers(-1, 800), junk()))
def test_agreement_works_or_says_why(good, bad, k, zoo, digits):
    x = digits[0][:2]
    a = explain.saliency(zoo("mnist_cnn"), x)
    for b, kk in [(good, 10), (good, k), (bad, 10)]:
        works_or_says_why(metrics.agreement, zoo("mnist_cnn"), x, a, b, k=kk)


@FEW
@given(
    bad=st.one_of(st.dictionaries(st.text(max_size=4), junk(), min_size=1, max_size=2), junk()),
    which=st.one_of(st.lists(st.sampled_from(["deletion", "lipschitz", "nonsense"]), max_size=2), junk()),
)
def test_report_and_summary_work_or_say_why(bad, which, zoo, digits):
    model, x = zoo("mnist_cnn"), digits[0][:2]
    good = {"saliency": explain.saliency}
    frames = [
        works_or_says_why(metrics.report, model, x, e, metrics=m) for e, m in [(good, which), (bad, ["deletion"])]
    ]
    for frame in [*frames, bad]:
        works_or_says_why(metrics.summary, frame)
        works_or_says_why(metrics.plot_report, frame)
        plt.close("all")
