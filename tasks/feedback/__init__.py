"""Reviewers' corrections: stored beside the answers they correct (``store``), turned into a
live quality measure per model version and a rollback verdict (``quality``)."""
