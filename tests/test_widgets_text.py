"""Text explorers: compute functions checked against direct model calls, controls driven from Python."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from xai_teach import explain, models, viz, widgets  # noqa: E402

REVIEW = "A wonderful film with superb acting, although the ending was a bit dull and the music awful."


@pytest.fixture(scope="module")
def bow(zoo):
    return zoo("imdb_bow")


@pytest.fixture(scope="module")
def transformer(zoo):
    return zoo("imdb_transformer")


def test_review_compute_matches_the_model_and_the_method(transformer):
    explorer = widgets.review_explorer(transformer, REVIEW)
    result = explorer.compute(text=REVIEW, method="attention")
    np.testing.assert_allclose(result["probs"], models.predict_proba(transformer, [REVIEW])[0], rtol=1e-5)
    direct = explain.attention(transformer, [REVIEW], targets=1)
    np.testing.assert_allclose(result["attribution"].values[0], direct.values[0], rtol=1e-5)
    assert result["attribution"].tokens[0] == explain.tokenize(transformer, REVIEW)[0]


def test_typing_in_the_box_updates_prediction_and_highlights(bow):
    explorer = widgets.review_explorer(bow, REVIEW)
    box = explorer.widget()
    out = box.children[-1]
    assert isinstance(out, w.HTML) and "superb" in out.value
    before = out.value
    explorer.controls["text"].value = "the worst and most boring film, awful"
    assert out.value != before and "worst" in out.value and "superb" not in out.value
    assert "prediction: <b>negative</b>" in out.value


def test_deleting_a_word_changes_the_probability_by_its_bow_weight(bow):
    explorer = widgets.review_explorer(bow, REVIEW, methods=("gradient_x_input",))
    kernel, _ = bow.get_layer("logits").get_weights()
    vocab = bow.get_layer("vectorize").get_vocabulary()
    weight = kernel[vocab.index("superb"), 1] - kernel[vocab.index("superb"), 0]
    full = explorer.compute(text=REVIEW, method="gradient_x_input")["probs"]
    cut = explorer.compute(text=REVIEW.replace("superb ", ""), method="gradient_x_input")["probs"]

    def logit(p):
        return np.log(p[1] / p[0])

    assert logit(full) - logit(cut) == pytest.approx(weight, abs=1e-4)


def test_an_emptied_review_asks_for_words_instead_of_failing(bow):
    explorer = widgets.review_explorer(bow, REVIEW)
    assert explorer.compute(text=" !? ", method="gradient_x_input")["attribution"] is None
    explorer.controls["text"].value = ""
    page = explorer.static([{}, {"text": "great"}])
    assert isinstance(page, viz.HTML) and "no word the model reads" in page.source and "great" in page.source


def test_review_explorer_refuses_attention_without_an_attention_layer_and_bad_input(bow):
    with pytest.raises(ValueError, match="methods"):
        widgets.review_explorer(bow, REVIEW, methods=("attention",))
    with pytest.raises(TypeError, match="one review"):
        widgets.review_explorer(bow, [REVIEW])
    with pytest.raises(ValueError, match="target"):
        widgets.review_explorer(bow, REVIEW, target=2)


def test_removal_curve_is_the_model_on_reviews_with_the_top_words_unknown(bow):
    explorer = widgets.word_removal_explorer(bow, REVIEW, target=1, methods=("gradient_x_input", "random"), k_max=4)
    result = explorer.compute(method="gradient_x_input", k=2)
    attr = explain.gradient_x_input(bow, [REVIEW], targets=1)
    top = [word for word, _ in attr.top_features(2, absolute=False)[0]]
    assert result["removed"] == top and len(result["probs"]) == 5
    words = explain.tokenize(bow, REVIEW)[0]
    edited = " ".join("[UNK]" if word in top else word for word in words)
    assert result["probs"][2] == pytest.approx(models.predict_proba(bow, [edited])[0, 1], abs=1e-5)
    assert result["probs"][0] == pytest.approx(models.predict_proba(bow, [REVIEW])[0, 1], abs=1e-5)


def test_removing_the_most_positive_words_lowers_p_positive_more_than_random(bow):
    explorer = widgets.word_removal_explorer(bow, REVIEW, target=1, methods=("gradient_x_input", "random"), k_max=3)
    ranked = explorer.compute(method="gradient_x_input", k=3)["probs"]
    shuffled = explorer.compute(method="random", k=3)["probs"]
    assert np.all(np.diff(ranked) <= 1e-6) and ranked[3] < shuffled[3]


def test_moving_the_slider_and_the_menu_redraws(bow):
    explorer = widgets.word_removal_explorer(bow, REVIEW, methods=("gradient_x_input", "random"), k_max=6)
    explorer.widget()
    seen = []
    original = explorer.compute
    explorer.compute = lambda **s: seen.append(s) or original(**s)
    explorer.controls["k"].value = 6
    explorer.controls["method"].value = "random"
    assert seen[-1] == {"method": "random", "k": 6}
    fig = explorer.static([{"k": 0}, {"k": 3}])
    assert len(fig.axes) == 4


def test_removal_explorer_checks_its_arguments(bow):
    with pytest.raises(ValueError, match="k_max"):
        widgets.word_removal_explorer(bow, REVIEW, k_max=0)
    with pytest.raises(ValueError, match="no word"):
        widgets.word_removal_explorer(bow, "?!")
    with pytest.raises(ValueError, match="methods"):
        widgets.word_removal_explorer(bow, REVIEW, methods=("saliency",))
