"""``claimvlm export``: serving artefacts of a trained package (merged, int8), measured and checked."""
