"""Auto-checks for the chapters' exercises.

Each ``check_*`` function takes a student's answer, prints specific feedback (what is right, or
what is wrong and where to look) and returns True or False. The feedback never prints the expected
value. One module per chapter; every check is re-exported here, so notebooks call
``exercises.check_...``.
"""

from .chapter01 import check_accuracy, check_halves_prediction, check_linear_contributions
from .chapter02 import check_best_template, check_mean_abs_map, check_prototype_prediction
from .chapter03 import check_cam_layer_prediction, check_ig_completeness, check_saliency
from .chapter04 import check_background_prediction, check_linear_shap
from .chapter05 import check_blank_superpixels, check_ink_share
from .chapter06 import check_best_deletion, check_bow_contributions, check_not_bad
from .chapter07 import check_gradient_x_input, check_other_class
from .chapter08 import check_attention_overlap, check_top_word_prediction
from .chapter09 import check_deletion_prediction, check_insertion_curve
from .chapter10 import check_lambda_faithfulness_prediction, check_senn_contributions
from .chapter11 import check_blur_prediction, check_top_k_overlap

__all__ = [
    "check_senn_contributions",
    "check_lambda_faithfulness_prediction",
    "check_attention_overlap",
    "check_top_word_prediction",
    "check_top_k_overlap",
    "check_insertion_curve",
    "check_deletion_prediction",
    "check_blur_prediction",
    "check_accuracy",
    "check_linear_contributions",
    "check_halves_prediction",
    "check_linear_shap",
    "check_background_prediction",
    "check_ink_share",
    "check_blank_superpixels",
    "check_bow_contributions",
    "check_best_deletion",
    "check_not_bad",
    "check_gradient_x_input",
    "check_other_class",
    "check_best_template",
    "check_mean_abs_map",
    "check_prototype_prediction",
    "check_ig_completeness",
    "check_saliency",
    "check_cam_layer_prediction",
]
