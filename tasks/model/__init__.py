"""The model layer: what every stage that holds a trained model shares — the tracking settings,
the package format (write, verify, load; int8 included), reading pages into answers, and MLflow
set-up. Training, evaluation, export, registry and serving depend on it, not on each other."""
