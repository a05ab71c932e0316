"""Auto-checks for the chapters' exercises.

Each ``check_*`` function takes a student's answer, prints specific feedback (what is right, or
what is wrong and where to look) and returns True or False. The feedback never prints the expected
value. One module per chapter; every check is re-exported here, so notebooks call
``exercises.check_...``.
"""

from .chapter01 import check_accuracy, check_linear_contributions

__all__ = ["check_accuracy", "check_linear_contributions"]
