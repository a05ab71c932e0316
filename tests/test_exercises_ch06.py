"""Chapter 6 auto-check: exact per-word contributions of the bag-of-words model."""

import numpy as np
import pytest
import tensorflow as tf

from xai_teach import exercises

REVIEW = "A wonderful film, the best of the year; zzqqxx and the acting was awful."


@pytest.fixture(scope="module")
def bow(zoo):
    return zoo("imdb_bow")


def _right(model, review):
    kernel, _ = model.get_layer("logits").get_weights()
    vocab = model.get_layer("vectorize").get_vocabulary()
    present = np.asarray(model.get_layer("vectorize")(tf.constant([review])))[0]
    return {str(vocab[v]): float(kernel[v, 1] - kernel[v, 0]) for v in np.flatnonzero(present)}


def test_right_answer_passes_and_adds_up_to_the_logit_difference(bow, capsys):
    answer = _right(bow, REVIEW)
    assert "[UNK]" in answer and "wonderful" in answer
    assert exercises.check_bow_contributions(answer, bow, REVIEW)
    assert capsys.readouterr().out.startswith("Correct")
    _, bias = bow.get_layer("logits").get_weights()
    z = _logits(bow, REVIEW)
    assert sum(answer.values()) + bias[1] - bias[0] == pytest.approx(z[1] - z[0], abs=1e-4)


def _logits(model, review):
    from xai_teach import models

    return np.asarray(models.logits_model(model)(tf.constant([review])))[0]


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda a, k: {w: -v for w, v in a.items()}, "sign is flipped"),
        (lambda a, k: {w: float(k[w][1]) for w in a}, "one column of W"),
        (lambda a, k: {w: v + 0.1 for w, v in a.items()}, "minus its weight"),
        (lambda a, k: dict(list(a.items())[1:]), "missing"),
        (lambda a, k: {**a, "zzqqxx": 1.0}, "not vocabulary words"),
        (lambda a, k: list(a.values()), "give a dict"),
    ],
)
def test_typical_wrong_answers_get_specific_feedback_without_the_expected_values(bow, capsys, wrong, phrase):
    answer = _right(bow, REVIEW)
    kernel, _ = bow.get_layer("logits").get_weights()
    vocab = bow.get_layer("vectorize").get_vocabulary()
    rows = {str(vocab[i]): kernel[i] for i in range(len(vocab)) if str(vocab[i]) in answer}
    assert not exercises.check_bow_contributions(wrong(answer, rows), bow, REVIEW)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and phrase in out
    assert not any(f"{v:.3f}" in out for v in answer.values())


def test_non_numeric_values_are_reported(bow, capsys):
    answer = {w: "big" for w in _right(bow, REVIEW)}
    assert not exercises.check_bow_contributions(answer, bow, REVIEW)
    assert "one number" in capsys.readouterr().out


# ----------------------------------------------------------------- the best word to delete


def _weights_present(model, review):
    kernel, _ = model.get_layer("logits").get_weights()
    vocab = model.get_layer("vectorize").get_vocabulary()
    present = np.asarray(model.get_layer("vectorize")(tf.constant([review])))[0]
    return {str(vocab[v]): float(kernel[v, 1] - kernel[v, 0]) for v in np.flatnonzero(present) if v != 0}


def test_best_deletion_right_answer_matches_the_model_on_the_edited_text(bow, capsys):
    from xai_teach import explain, models

    weights = _weights_present(bow, REVIEW)
    word = min(weights, key=weights.get)
    edited = " ".join(t for t in explain.tokenize(bow, REVIEW)[0] if t != word)
    p_after = models.predict_proba(bow, [edited])[0, 1]  # measured, not computed from the weights
    assert p_after > models.predict_proba(bow, [REVIEW])[0, 1]
    assert exercises.check_best_deletion(word, p_after, bow, REVIEW)
    assert capsys.readouterr().out.startswith("Correct")
    for other in weights:  # no other deletion raises p(positive) more
        rest = " ".join(t for t in explain.tokenize(bow, REVIEW)[0] if t != other)
        assert models.predict_proba(bow, [rest])[0, 1] <= p_after + 1e-6


def test_best_deletion_wrong_answers_get_specific_feedback(bow, capsys):
    weights = _weights_present(bow, REVIEW)
    word = min(weights, key=weights.get)
    z = _logits(bow, REVIEW)
    gap = z[1] - z[0]
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    second = sorted((w for w in weights if weights[w] < 0), key=weights.get)[1]
    positive = max(weights, key=weights.get)
    cases = [
        ((word, sig(gap)), "before the deletion"),
        ((word, sig(gap + weights[word])), "added again"),
        ((word, gap - weights[word]), "through the sigmoid"),
        ((word, 0.5), "sigmoid(z1 - z0 - w)"),
        ((second, sig(gap - weights[second])), "more negative weight"),
        ((positive, 0.5), "lowers p(positive)"),
        (("zzqqxx", 0.5), "not a vocabulary word"),
        (("[UNK]", 0.5), "outside the vocabulary"),
        ((3, 0.5), "as a str"),
        ((word, "high"), "one number"),
    ]
    for (w, p), phrase in cases:
        assert not exercises.check_best_deletion(w, p, bow, REVIEW)
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and phrase in out, out
        assert f"{sig(gap - weights[word]):.3f}" not in out


# ----------------------------------------------------------------- predict-then-verify: "not bad"


def test_not_bad_follows_the_weight_of_not(bow, capsys):
    # The bag of words adds w_not to the sum: the answer is "less" exactly when w_not < 0.
    w_not = _weights_present(bow, "not")["not"]
    truth = "less" if w_not < 0 else "more"
    assert exercises.check_not_bad(truth, bow)
    assert capsys.readouterr().out.startswith("Correct")
    for other in {"more", "less", "same"} - {truth}:
        assert not exercises.check_not_bad(other, bow)
        assert capsys.readouterr().out.startswith("Not yet")


def test_not_bad_reads_the_truth_from_the_model_it_is_given(zoo, capsys):
    from xai_teach import models

    lstm = zoo("imdb_lstm")
    p_bad, p_not_bad = models.predict_proba(lstm, ["the film was bad", "the film was not bad"])[:, 1]
    truth = "more" if p_not_bad > p_bad else "less"
    assert exercises.check_not_bad(truth.upper(), lstm)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("bad", ["better", "", None, 1])
def test_not_bad_rejects_other_answers(bow, capsys, bad):
    assert not exercises.check_not_bad(bad, bow)
    assert "'more', 'less' or 'same'" in capsys.readouterr().out
