"""Evaluation of predicted labels against the true ones: field, text and slice metrics."""
