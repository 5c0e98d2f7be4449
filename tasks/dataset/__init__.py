"""The ``build`` stage: the VLM training dataset (conversation records, patient-grouped splits,
WebDataset shards, aspect buckets, dataset card)."""
