"""Chapter 10 exercise check: SENN contributions theta_ic(x) h_i(x) of the predicted class."""

import numpy as np
import pytest

from xai_teach import exercises, senn


@pytest.fixture(scope="module")
def setup(zoo, mnist):
    model = zoo("mnist_senn")
    images = mnist[1][0][:8]
    out = senn.outputs(model, images)
    return model, images, out


def right_answer(out):
    rows, predicted = np.arange(len(out["logits"])), out["logits"].argmax(1)
    return out["relevances"][rows, :, predicted] * out["concepts"]


def test_right_answer_passes_and_rows_sum_to_logit(setup, capsys):
    model, images, out = setup
    answer = right_answer(out)
    np.testing.assert_allclose(answer.sum(1), out["logits"].max(1), rtol=1e-4, atol=1e-4)
    assert exercises.check_senn_contributions(answer, model, images) is True
    assert capsys.readouterr().out.startswith("Correct")


def test_explain_gives_the_same_answer(setup):
    model, images, _ = setup
    assert exercises.check_senn_contributions(senn.explain(model, images).contributions, model, images)


def test_relevances_alone_are_named(setup, capsys):
    model, images, out = setup
    rows = np.arange(len(images))
    assert not exercises.check_senn_contributions(out["relevances"][rows, :, out["logits"].argmax(1)], model, images)
    assert "activation" in capsys.readouterr().out


def test_one_fixed_class_is_named(setup, capsys):
    model, images, out = setup
    predicted = out["logits"].argmax(1)
    c = next(c for c in range(10) if np.all(predicted != c))
    assert not exercises.check_senn_contributions(out["relevances"][:, :, c] * out["concepts"], model, images)
    assert "predicted class" in capsys.readouterr().out


def test_right_total_wrong_split(setup, capsys):
    model, images, out = setup
    answer = right_answer(out)
    shuffled = answer[:, ::-1]
    assert not exercises.check_senn_contributions(shuffled, model, images)
    assert "split" in capsys.readouterr().out


def test_all_classes_and_wrong_shapes(setup, capsys):
    model, images, out = setup
    all_classes = out["relevances"] * out["concepts"][:, :, None]
    assert not exercises.check_senn_contributions(all_classes, model, images)
    assert "predicted class" in capsys.readouterr().out
    assert not exercises.check_senn_contributions("five numbers", model, images)
    assert "array of numbers" in capsys.readouterr().out


def test_feedback_never_shows_the_expected_values(setup, capsys):
    model, images, out = setup
    answer = right_answer(out)
    exercises.check_senn_contributions(answer + 1.0, model, images)
    text = capsys.readouterr().out
    assert text.startswith("Not yet")
    assert f"{answer[0, 0]:.2f}" not in text


def test_lambda_faithfulness_prediction_is_checked_against_the_measurement(capsys, mnist):
    from xai_teach.senn import experiments

    (x_train, _), (x_test, _) = mnist
    low, high = experiments.load_variant("mnist_senn_lambda0"), experiments.load_variant("mnist_senn_lambda1")
    medians = [
        np.nanmedian(
            experiments.concept_removal(m, x_test[:50], baseline=senn.concepts(m, x_train[::50]).mean(0))["correlation"]
        )
        for m in (low, high)
    ]
    truth = "higher" if medians[1] > medians[0] else "lower"
    wrong = "lower" if truth == "higher" else "higher"
    assert exercises.check_lambda_faithfulness_prediction(truth, low, high, x_test[:50], x_train[::50])
    assert capsys.readouterr().out.startswith("Correct")
    assert not exercises.check_lambda_faithfulness_prediction(wrong, low, high, x_test[:50], x_train[::50])
    assert f"the measurement says '{truth}'" in capsys.readouterr().out
    assert not exercises.check_lambda_faithfulness_prediction("same", low, high, x_test[:50], x_train[::50])
