"""The package's plumbing: one head rule and compiled cache (xai_teach.forward), one vocabulary, registries.

Known answers: the compiled saliency/SmoothGrad equal tf-keras-vis's maps; integrated
gradients' base value is f(baseline) and completes the values; a toy method and a toy
metric added through the decorators appear in METHODS and report without editing a list.
"""

import ast
import json
import warnings
from functools import partial
from pathlib import Path

import keras
import numpy as np
import pytest
import test_explain_contract as contract
from test_explain_helpers import linear_model

import xai_teach
from xai_teach import cards, checks, explain, forward, integrity, metrics, models
from xai_teach.exercises.common import as_array, as_number, as_target, checked
from xai_teach.explain import _common


def _softmax_model():
    image = keras.Input((28, 28, 1))
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(image)))


# --------------------------------------------------------------------------- forward


def test_head_rule_raises_for_a_softmax_without_logits_and_caches_the_head(zoo):
    no_logits = _softmax_model()
    with pytest.raises(ValueError, match="no layer named 'logits' and ends in a softmax.*output='probs'"):
        forward.head(no_logits, "logits")
    assert forward.head(no_logits, "probs").outputs[0].shape[-1] == 10
    plain, _, _ = linear_model()  # ends without a softmax: its output is the logits
    assert forward.head(plain, "logits") is forward.head(plain, "logits")
    cnn = zoo("mnist_cnn")
    assert forward.head(cnn, "logits").outputs[0].name == cnn.get_layer("logits").output.name
    assert models.logits_model(cnn) is models.logits_model(cnn)
    with pytest.raises(ValueError, match="output must be one of"):
        forward.head(cnn, "logit-ish")


def test_predict_proba_is_the_model_and_refuses_bad_images(zoo, digits):
    cnn = zoo("mnist_cnn")
    x = digits[0]
    np.testing.assert_allclose(models.predict_proba(cnn, x), np.asarray(cnn(x, training=False)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(models.predict_proba(cnn, x[:, :, :, 0]), models.predict_proba(cnn, x), atol=1e-7)
    with pytest.raises(ValueError, match="uint8"):
        models.predict_proba(cnn, (x * 255).astype(np.uint8))
    bad = x.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        models.predict_proba(cnn, bad)
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28, 1\)"):
        models.predict_proba(cnn, np.zeros((2, 32, 32, 3), np.float32))
    with pytest.raises(TypeError, match="list of str"):
        models.predict_proba(zoo("imdb_bow"), "one review as a bare str")


def test_old_output_words_warn_and_map_to_the_new_ones():
    with pytest.warns(DeprecationWarning, match="output='logits'"):
        assert forward.check_output("logit") == "logits"
    with pytest.warns(DeprecationWarning, match="output='probs'"):
        assert forward.check_output("probability") == "probs"


# --------------------------------------------------------------------------- gradients against tf-keras-vis


def _tf_keras_vis(model, x, targets, samples, absolute, seed):
    from tf_keras_vis.saliency import Saliency

    fm = forward.head(model, "logits")
    with _common.numpy_global_seed(seed):
        maps = Saliency(fm, clone=False)(
            _common.target_score(targets),
            x,
            smooth_samples=samples,
            smooth_noise=0.2,
            keepdims=True,
            gradient_modifier=np.abs if absolute else None,
            normalize_map=False,
        )
    return np.asarray(maps)[..., 0]


@pytest.mark.parametrize("absolute", [False, True])
def test_compiled_saliency_equals_tf_keras_vis_and_smoothgrad_agrees_with_it(zoo, digits, absolute):
    cnn = zoo("mnist_cnn")
    x = digits[0][:4]
    sal = explain.saliency(cnn, x, absolute=absolute)
    np.testing.assert_allclose(sal.values, _tf_keras_vis(cnn, x, sal.targets, 0, absolute, 0), rtol=1e-5, atol=1e-6)
    # SmoothGrad draws other noise than tf-keras-vis: the maps agree as closely as two of our own seeds do.
    ours = explain.smoothgrad(cnn, x, samples=40, absolute=absolute, random_state=3, batch_size=16).values
    again = explain.smoothgrad(cnn, x, samples=40, absolute=absolute, random_state=4).values
    theirs = _tf_keras_vis(cnn, x, sal.targets, 40, absolute, 3)

    def corr(a, b):
        return min(np.corrcoef(u.ravel(), v.ravel())[0, 1] for u, v in zip(a, b))

    assert corr(ours, theirs) > min(0.9, corr(ours, again) - 0.05)


def test_smoothgrad_of_a_linear_model_is_its_weight_template():
    model, w, _ = linear_model()
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    attr = explain.smoothgrad(model, x, targets=[0, 1, 2], samples=7, random_state=0)
    np.testing.assert_allclose(attr.values, w[:, [0, 1, 2]].T.reshape(3, 28, 28), rtol=1e-4, atol=1e-5)


def test_smoothgrad_memory_is_bounded_by_batch_size(zoo, digits, monkeypatch):
    seen = []
    real = forward.compiled

    def spy(model, key, build):
        fn = real(model, key, build)
        if key[0] != "smoothgrad":
            return fn
        return lambda x, t, noise: (seen.append(int(noise.shape[0] * noise.shape[1])), fn(x, t, noise))[1]

    monkeypatch.setattr(forward, "compiled", spy)
    explain.smoothgrad(zoo("mnist_cnn"), digits[0], samples=200, batch_size=50)
    assert seen and max(seen) <= 50 and sum(seen) == 200 * 10


# --------------------------------------------------------------------------- base values


def test_integrated_gradients_base_value_is_f_of_the_baseline_and_completes(zoo, digits):
    cnn = zoo("mnist_cnn")
    x = digits[0]
    attr = explain.integrated_gradients(cnn, x, steps=64, baseline=0.2)
    logits = np.asarray(models.logits_model(cnn)(np.concatenate([x, np.full((1, 28, 28, 1), 0.2, np.float32)])))
    np.testing.assert_allclose(attr.base_values, logits[-1, attr.targets], rtol=1e-5, atol=1e-5)
    gap = attr.values.sum(axis=(1, 2)) - (logits[np.arange(10), attr.targets] - attr.base_values)
    assert np.abs(gap).max() < 0.05 * np.abs(attr.values.sum(axis=(1, 2))).max()
    assert attr[2:4].base_values.shape == (2,)


def test_shap_deep_keeps_the_expected_value(zoo, digits):
    linear = zoo("mnist_linear")
    attr = explain.shap_deep(linear, digits[0][:3], background_size=20)
    logits = np.asarray(models.logits_model(linear)(digits[0][:3]))[np.arange(3), attr.targets]
    np.testing.assert_allclose(attr.values.sum(axis=(1, 2)) + attr.base_values, logits, rtol=1e-4, atol=1e-4)


def test_attribution_refuses_base_values_of_the_wrong_shape(digits):
    with pytest.raises(ValueError, match="one number per input"):
        explain.Attribution(np.zeros((2, 28, 28)), digits[0][:2], np.array([0, 1]), "m", base_values=np.zeros(3))


# --------------------------------------------------------------------------- one vocabulary


IMAGE_PARAMS = {
    "smoothgrad": {"samples": 2},
    "integrated_gradients": {"steps": 4},
    "lime_image": {"num_samples": 20},
    "shap_gradient": {"nsamples": 4, "background_size": 5},
    "shap_partition": {"max_evals": 20},
    "activation_maximization": {"steps": 2},
    "global_shap": {"background_size": 5, "nsamples": 4},
    "class_prototypes": {"top": 1},
}


@pytest.mark.parametrize("name", sorted(explain.METHODS))
def test_every_explainer_takes_the_one_vocabulary(name, zoo, digits):
    import inspect

    fn = explain.METHODS[name]
    params = inspect.signature(fn).parameters
    words = {k: v for k, v in {"output": "logits", "random_state": 0}.items() if k in params}
    for old in ("seed", "probability", "logit"):
        assert old not in params
    if not words:
        pytest.skip(f"{name} takes neither output nor random_state")
    if name in explain.TEXT_METHODS and name != "gradient_x_input":
        model, inputs = zoo("imdb_bow"), "a fine film"
    elif name == "linear_weights":
        model, inputs = zoo("mnist_linear"), None
    elif name == "activation_maximization":
        model, inputs = zoo("mnist_cnn"), None
    elif name in ("global_shap", "class_prototypes"):  # need images of every class
        model, inputs = zoo("mnist_cnn"), digits[0]
    else:
        model, inputs = zoo("mnist_cnn"), digits[0][:2]
    extra = {"max_evals": 20} if name == "shap_text" else IMAGE_PARAMS.get(name, {})
    targets = digits[1] if name == "global_shap" else None  # one image per true class
    fn(model, inputs, targets, **words, **extra)


@pytest.mark.parametrize("name", sorted(metrics.METRICS))
def test_every_metric_takes_the_one_vocabulary(name, zoo, digits):
    import inspect

    spec = metrics.METRICS[name]
    params = inspect.signature(spec.fn).parameters
    assert "seed" not in params
    for p in list(params)[3:]:
        assert params[p].kind is inspect.Parameter.KEYWORD_ONLY
    cnn, x = zoo("mnist_cnn"), digits[0][:3]
    words = {k: v for k, v in {"output": "logits", "random_state": 0}.items() if k in params}
    small = {"steps": 2, "n_samples": 2, "n_subsets": 4, "pixels_per_step": 392, "n_seeds": 2, "patch_size": 14}
    kwargs = {**words, **{k: v for k, v in small.items() if k in params}}
    if name == "localisation":
        kwargs["mask"] = np.ones((3, 28, 28), bool)
    explanation = explain.gradient_x_input
    if name == "seed_variance":
        explanation = partial(explain.lime_image, num_samples=20)
    elif name == "background_ablation":
        explanation, kwargs["sizes"] = partial(explain.shap_gradient, nsamples=2), (2, 4)
    elif name == "label_randomisation":
        kwargs.update(train=digits, epochs=1)
    elif name == "cascading_randomisation":
        kwargs["layers"] = ["logits"]
    elif not spec.explainer:
        explanation = explain.gradient_x_input(cnn, x)
    result = spec.fn(cnn, x, explanation, **kwargs)
    assert isinstance(result, metrics.Result) and result.better == spec.better


def test_old_metric_call_shapes_warn_and_give_the_same_numbers(zoo, digits):
    cnn, x = zoo("mnist_cnn"), digits[0][:3]
    attr = explain.gradient_x_input(cnn, x)
    new = metrics.faithfulness_correlation(cnn, x, attr, targets=attr.targets, output="logits", random_state=2)
    with pytest.warns(DeprecationWarning) as record:
        old = metrics.faithfulness_correlation(cnn, x, attr, attr.targets, output="logit", seed=2)
    assert len(record) == 3
    np.testing.assert_array_equal(new.scores, old.scores)
    with pytest.raises(TypeError, match="both seed= and random_state="):
        metrics.deletion(cnn, x, attr, seed=1, random_state=1)


# --------------------------------------------------------------------------- registries


def test_a_toy_method_and_a_toy_metric_join_the_tables_and_report(zoo, digits):
    @explain.explainer(kinds=("image",))
    def toy_method(model, inputs, targets=None, *, scale=1.0):
        """Toy: the image itself, times ``scale`` and the class explained plus one.

        Args:
            scale: the factor.
        """
        batch = _common.image_batch(model, inputs, targets, "toy_method")
        factor = scale * (batch.targets + 1.0)[:, None, None]
        return _common.image_attribution(batch.inputs[..., 0] * factor, batch, "toy_method")

    @metrics.metric(better="higher")
    def toy_metric(model, inputs, attribution, *, targets=None, random_state=0):
        """Toy: the total attribution per input."""
        from xai_teach.metrics import _common as mc

        p = mc.prepare(model, inputs, attribution, targets)
        return metrics.Result("toy_metric", p.values.sum(axis=1), p.targets)

    try:
        assert explain.METHODS["toy_method"] is toy_method and "toy_method" in explain.IMAGE_METHODS
        with pytest.raises(TypeError, match=r"toy_method got unknown parameter\(s\) \['colour'\]"):
            toy_method(zoo("mnist_cnn"), digits[0][:2], colour="red")
        assert toy_method(zoo("mnist_cnn"), digits[0][:2], scale=2.0).params == {"scale": 2.0}
        assert metrics.METRICS["toy_metric"].better == "higher"
        df = metrics.report(zoo("mnist_cnn"), digits[0][:2], {"toy": toy_method}, metrics=("toy_metric",))
        assert set(df.metric) == {"toy_metric"} and set(df.better) == {"higher"}
        # the contract tests take them up by name, from the tables the decorators filled
        contract.test_call_shape_and_every_parameter_documented("toy_method")
        contract.test_image_methods_return_checked_attributions("toy_method", zoo, digits)
        contract.test_image_methods_resolve_targets("toy_method", zoo, digits)
        test_every_metric_takes_the_one_vocabulary("toy_metric", zoo, digits)
    finally:
        _common.unregister("toy_method")
        metrics.METRICS.pop("toy_metric", None)
    assert "toy_method" not in explain.METHODS


def test_class_and_concept_prototypes_are_one_result_type(zoo, digits):
    from xai_teach import senn

    assert senn.Prototypes is explain.Prototypes
    by_class = explain.class_prototypes(zoo("mnist_cnn"), digits[0], [3, 5], top=2)
    by_concept = senn.prototypes(zoo("mnist_senn"), digits[0], top=2)
    for protos, kind in ((by_class, "class"), (by_concept, "concept")):
        assert isinstance(protos, explain.Prototypes) and protos.kind == kind
        assert protos.images.shape[:2] == protos.indices.shape == protos.scores.shape == (len(protos), 2)
        assert list(protos.to_frame().columns) == [kind, "rank", "index", "score"]
    assert by_class.labels() == ["class 3", "class 5"] and by_concept.labels()[0] == "concept 1"
    assert by_concept.activations is by_concept.scores and by_class.classes.tolist() == [3, 5]
    with pytest.raises(ValueError, match="kind must be one of"):
        explain.Prototypes(by_class.rows, by_class.indices, by_class.images, by_class.scores, kind="digit")
    with pytest.raises(ValueError, match=r"expected rows \(k,\)"):
        explain.Prototypes(by_class.rows[:1], by_class.indices, by_class.images, by_class.scores)


def test_report_labels_least_relevant_pixel_flipping_as_its_result_does(zoo, digits):
    cnn, x = zoo("mnist_cnn"), digits[0][:3]
    params = {"pixel_flipping": {"order": "least_relevant", "pixels_per_step": 196}}
    df = metrics.report(cnn, x, {"gxi": explain.gradient_x_input}, metrics=("pixel_flipping",), params=params)
    assert set(df.better) == {"higher"}
    assert metrics.summary(df)["better"].tolist() == ["higher"]


def test_old_report_names_still_work_with_a_warning(zoo, digits):
    with pytest.warns(DeprecationWarning, match="'local_lipschitz'"), pytest.warns(DeprecationWarning, match="seed="):
        df = metrics.report(
            zoo("mnist_linear"),
            digits[0][:2],
            {"gxi": explain.gradient_x_input},
            metrics=("lipschitz",),
            params={"lipschitz": {"n_samples": 2}},
            seed=0,
        )
    assert set(df.metric) == {"lipschitz"} and set(df.better) == {"lower"}


def test_constant_attribution_gets_no_score_from_pixel_order(zoo, digits):
    cnn, x = zoo("mnist_cnn"), digits[0][:4]
    flat = np.zeros((4, 28, 28))
    a = metrics.deletion(cnn, x, flat, steps=7, random_state=0).scores
    b = metrics.deletion(cnn, x, flat, steps=7, random_state=1).scores
    assert not np.allclose(a, b)  # the order among ties is random, not top rows first
    np.testing.assert_array_equal(a, metrics.deletion(cnn, x, flat, steps=7, random_state=0).scores)


# --------------------------------------------------------------------------- bad inputs


def test_shap_text_explains_one_word_and_caps_long_reviews(zoo):
    bow = zoo("imdb_bow")
    one = explain.shap_text(bow, ["wonderful", "a dull and boring film"], max_evals=20)
    probs = models.predict_proba(bow, ["wonderful", "[UNK]"])
    assert one.values[0] == pytest.approx(probs[0, one.targets[0]] - probs[1, one.targets[0]], abs=1e-6)
    with pytest.raises(ValueError, match="at most 1000 words"):
        explain.shap_text(bow, " ".join(["film"] * 20_000))


def test_broken_manifest_raises_integrity_error_naming_the_repair(tmp_path, monkeypatch):
    manifest = tmp_path / "manifest.json"
    monkeypatch.setattr(integrity, "MANIFEST", manifest)
    with pytest.raises(integrity.IntegrityError, match="manifest.*missing.*reinstall"):
        integrity.asset_path("data/mnist.npz")
    for text in ("", '{"data/mnist.npz": "ab', "[1, 2]", "{}"):
        manifest.write_text(text)
        with pytest.raises(integrity.IntegrityError, match="manifest.*reinstall"):
            integrity.asset_path("data/mnist.npz")
    manifest.write_text(json.dumps({"data/mnist.npz": "0" * 64}))
    assert integrity.read_manifest() == {"data/mnist.npz": "0" * 64}


def test_downloads_fail_fast_naming_the_embedded_sample(monkeypatch):
    import keras as k

    from xai_teach import data

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(k.utils, "get_file", offline)
    with pytest.raises(ConnectionError, match=r"load_mnist\(\) \(source=\"embedded\"\)"):
        data.load_mnist(source="keras")
    with pytest.raises(ConnectionError, match=r"load_imdb\(\) \(source=\"embedded\"\)"):
        data.load_imdb(source="full")


def test_exercise_answers_get_messages_that_say_what_was_expected():
    for answer, message in ((None, "got None"), ("abc", "got a str"), (3.0, "got a single number")):
        arr, problem = as_array(answer, (28, 28), "the map")
        assert arr is None and message in problem and "(28, 28)" in problem
    _, problem = as_array(np.full((28, 28), np.nan), (28, 28), "the map")
    assert "NaN" in problem
    assert as_target(3, 10) == (3, None) and as_target(np.int64(3), 10) == (3, None)
    assert as_target(10, 10)[1] == "target: expected a class from 0 to 9, got 10."
    for bad, got in (("3", "a str ('3')"), (3.0, "3.0"), (True, "True"), (None, "None")):
        assert as_target(bad, 10)[1].startswith(f"target: expected one int, a class from 0 to 9; got {got}")
    assert as_number(np.float32(0.5), "the share") == (0.5, None) and as_number(np.array([2.0]), "x") == (2.0, None)
    for bad, got in (("0.5", "got a str"), ([0.5], "got a list"), (None, "got None"), (np.ones(2), "shape (2,)")):
        value, problem = as_number(bad, "the share")
        assert value is None and problem.startswith("the share: expected one number") and got in problem
    assert as_number(float("nan"), "the share")[1] == "the share: expected one number (a finite one), got nan."
    assert checked(as_target(3, 10), as_number(0.5, "x")) == (3, 0.5, None)
    assert checked(as_target(3, 10), as_number("a", "x"), as_target(11, 10)) == (3, None, None, as_number("a", "x")[1])


def test_checks_random_state_and_renamed_seed():
    assert checks.random_state(None) is None
    with pytest.raises(TypeError):
        checks.random_state(1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert checks.renamed_seed(4, checks._UNSET) == 4
    with pytest.warns(DeprecationWarning, match="random_state="):
        assert checks.renamed_seed(0, 7) == 7


def test_compiled_gradcam_equals_tf_keras_vis(zoo, digits):
    from tf_keras_vis.gradcam import Gradcam

    cnn = zoo("mnist_cnn")
    ours = explain.gradcam(cnn, digits[0])
    theirs = Gradcam(forward.head(cnn, "logits"), clone=False)(
        _common.target_score(ours.targets),
        digits[0],
        penultimate_layer="last_conv",
        seek_penultimate_conv_layer=False,
        normalize_cam=False,
    )
    np.testing.assert_allclose(ours.values, np.asarray(theirs), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("batch_size", [1000, 40])
def test_compiled_scorecam_equals_tf_keras_vis(zoo, digits, batch_size):
    """The compiled Score-CAM reproduces tf-keras-vis's, whatever the images per call (40: one image a call)."""
    from tf_keras_vis.scorecam import Scorecam

    cnn = zoo("mnist_cnn")
    ours = explain.scorecam(cnn, digits[0], batch_size=batch_size)
    fm = forward.head(cnn, "logits")
    fm.predict = lambda x, **kw: type(fm).predict(fm, x, **{**kw, "verbose": 0})
    try:
        theirs = Scorecam(fm, clone=False)(
            _common.target_score(ours.targets),
            digits[0],
            penultimate_layer="last_conv",
            seek_penultimate_conv_layer=False,
            normalize_cam=False,
        )
    finally:
        del fm.predict
    assert np.asarray(theirs).max() > 0
    np.testing.assert_allclose(ours.values, np.asarray(theirs), rtol=1e-4, atol=1e-5 * np.asarray(theirs).max())


def test_shap_text_base_value_is_the_all_unknown_review(zoo):
    bow = zoo("imdb_bow")
    review = "a dull and boring film with one good scene"
    attr = explain.shap_text(bow, review, max_evals=50)
    words = len(attr.tokens[0])
    probs = models.predict_proba(bow, [review, " ".join(["[UNK]"] * words)])[:, attr.targets[0]]
    assert attr.base_values[0] == pytest.approx(probs[1], abs=1e-5)
    assert attr.values[0].sum() == pytest.approx(probs[0] - probs[1], abs=1e-4)


def test_model_cards_come_from_one_helper_in_the_shipped_order(zoo):
    for name in ("mnist_linear", "imdb_bow", "mnist_senn"):
        shipped, model = models.model_card(name), zoo(name)
        facts = {k: v for k, v in shipped.items() if k not in ("name", "architecture", "parameters", "versions")}
        built = cards.card(name, model, facts, shipped["architecture"] if name == "mnist_senn" else None)
        assert list(built) == list(shipped) and built["parameters"] == shipped["parameters"]
        assert built["architecture"][: len(model.layers)] == shipped["architecture"][: len(model.layers)]
        assert set(built["versions"]) == set(shipped["versions"])


# --------------------------------------------------------------------------- no import circles


def _import_graph(root):
    """module -> the package's modules it imports: absolute and relative, at module level or inside functions.

    Importing ``a.b.c`` runs ``a`` and ``a.b`` first, so those count too, except the packages the importer sits in.
    """
    files = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: set() for name in files}

    def reached(importer, module):
        parts = module.split(".")
        names = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return {n for n in names if n in files and not (importer == n or importer.startswith(n + "."))}

    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    graph[name] |= reached(name, alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                graph[name] |= reached(name, module)
                for alias in node.names:  # from package import submodule
                    graph[name] |= reached(name, f"{module}.{alias.name}")
    return graph


def _cycles(graph):
    """One shortest circle ``a -> b -> ... -> a`` through each module that can reach itself, deduplicated."""
    found = set()
    for start in sorted(graph):
        paths, seen = [[start]], {start}
        while paths:
            path = paths.pop(0)
            for nxt in sorted(graph[path[-1]]):
                if nxt == start:
                    cycle = path[path.index(min(path)) :] + path[: path.index(min(path))]
                    found.add(tuple(cycle))
                    paths = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*path, nxt])
    return [" -> ".join([*c, c[0]]) for c in sorted(found)]


def test_the_graph_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .b import x\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("import pkg.c\nx = 1\n")
    (pkg / "c.py").write_text("from pkg import a\n")
    graph = _import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}
    assert graph["pkg.sub"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    assert _cycles(graph) == [  # the shortest circle through each module, once
        "pkg.a -> pkg.sub -> pkg.sub.b -> pkg.c -> pkg.a",
        "pkg.a -> pkg.sub.b -> pkg.c -> pkg.a",
    ]
    (pkg / "c.py").write_text("")
    assert _cycles(_import_graph(pkg)) == []


def test_no_module_imports_a_module_that_imports_it_back():
    graph = _import_graph(Path(xai_teach.__file__).parent)
    assert len(graph) > 50 and "xai_teach.models" in graph["xai_teach.widgets.text"]
    assert _cycles(graph) == [], "import circles:\n" + "\n".join(_cycles(graph))
