"""Model promotion: the gate's pure decision, the MLflow registry with aliases, and the
post-promotion smoke check that rolls a bad champion back."""
