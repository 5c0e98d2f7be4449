"""The ``train`` stage: the model source (tiny default or a local Qwen2.5-VL checkpoint), encoding and fine-tuning."""
