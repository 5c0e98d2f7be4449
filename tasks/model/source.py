"""Where the model to fine-tune comes from, and how a dataset record becomes model input.

Two sources, one interface: a **tiny model of the real Qwen2.5-VL architecture** (vision
tower, patch merger, M-RoPE language model; a few million parameters, randomly initialised,
with a byte-level BPE tokenizer trained on the dataset's own text) that trains on a CPU and
exercises every code path, and a **real checkpoint** (e.g. Qwen2.5-VL-3B-Instruct) as a
local folder or a hub id. Both are loaded by :func:`load` into ``(model, Processor)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from claimvlm.errors import ClaimvlmError
from claimvlm.model.processor import CHAT_TEMPLATE, IMAGE_TOKEN, SPECIAL_TOKENS, Processor

IGNORE_INDEX = -100  # what torch's cross-entropy skips
# The tiny tokenizer's pre-tokenizer split: one Hangul syllable, other letter runs (with "_", so a
# schema key is one piece), single digits, punctuation runs, whitespace runs. BPE merges only
# inside a piece, so a name or a number is always the same sequence of syllable and digit tokens
# wherever it appears: a value in the OCR anchor and in the JSON answer are the same tokens, and a
# value never seen in training is made of tokens that were. (Whole Hangul words as pieces let BPE
# turn each synthetic name into a token of its own, seen in one document: the first pretrained
# base learnt to invent names instead of copying them.) Qwen2's own split also glues a leading
# space or quote to a word. Bytes are mapped afterwards by ByteLevel.
_SPLIT = r"\p{Hangul}|(?:[^\s\p{N}\p{P}\p{S}\p{Hangul}]|_)+|\p{N}|[\p{P}\p{S}]+|\s+"


class ModelSourceError(ClaimvlmError, RuntimeError):
    """The configured model cannot be loaded; the message says what to set instead."""


@dataclass(frozen=True)
class TinySpec:
    text_layers: int = 4
    hidden: int = 256
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 512
    vision_depth: int = 4
    vision_hidden: int = 128
    vocab_size: int = 6000
    seed: int = 0
    # The page size saved with its processor (what train.min/max_pixels default to): 224 x 320.
    min_pixels: int = 56 * 56
    max_pixels: int = 224 * 320


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> Any:
    """Byte-level BPE on the texts (every byte is in the alphabet, so no text is ever unknown),
    with the Qwen special tokens first in the vocabulary, wrapped as a transformers fast tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    # min_frequency 2: a merge seen once is usually one synthetic name or number, memorised not learned.
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    # Qwen's convention: no BOS is prepended; <|im_end|> ends a turn; <|endoftext|> pads.
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None,
        additional_special_tokens=list(SPECIAL_TOKENS[1:]), chat_template=CHAT_TEMPLATE,
        model_max_length=32768, padding_side="right", clean_up_tokenization_spaces=False,
    )


def tiny_config(spec: TinySpec, tokenizer: Any) -> Any:
    """A Qwen2_5_VLConfig with tiny sizes; every token id taken from the tokenizer."""
    from transformers import Qwen2_5_VLConfig

    head_dim = spec.hidden // spec.heads
    if head_dim % 4 or spec.hidden % spec.heads or spec.heads % spec.kv_heads:
        raise ValueError(f"hidden {spec.hidden} / heads {spec.heads} / kv_heads {spec.kv_heads} do not divide")
    # M-RoPE splits the head's rotary half-dimension into (temporal, height, width) sections;
    # Qwen's 128-dim heads use [16, 24, 24]: same proportions here, summing to head_dim / 2.
    half = head_dim // 2
    mrope = [half // 4, (half - half // 4) // 2, half - half // 4 - (half - half // 4) // 2]
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    # Window attention: a window of 112 px = 4 patches of 14 = 2 merged units per side; the
    # last block of each half attends globally (the released model's 7/15/23/31 out of 32).
    full = tuple(sorted({max(spec.vision_depth // 2 - 1, 0), spec.vision_depth - 1}))
    return Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": spec.hidden, "intermediate_size": spec.intermediate,
            "num_hidden_layers": spec.text_layers, "num_attention_heads": spec.heads,
            "num_key_value_heads": spec.kv_heads, "max_position_embeddings": 8192, "max_window_layers": spec.text_layers,
            "rope_parameters": {"rope_type": "default", "rope_theta": 1_000_000.0, "mrope_section": mrope},
            "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"], "tie_word_embeddings": True,
        },
        vision_config={
            "depth": spec.vision_depth, "hidden_size": spec.vision_hidden, "intermediate_size": 2 * spec.vision_hidden,
            "num_heads": max(spec.vision_hidden // 64, 1), "out_hidden_size": spec.hidden, "patch_size": 14,
            "spatial_merge_size": 2, "temporal_patch_size": 2, "window_size": 112, "fullatt_block_indexes": list(full),
        },
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"],
        tie_word_embeddings=True,
    )


def build_tiny(texts: Iterable[str], spec: TinySpec, out_dir: Path) -> Path:
    """Train the tokenizer on texts, build the tiny model from config, save model + processor to out_dir."""
    from transformers import Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    out_dir = Path(out_dir)
    tokenizer = train_tokenizer(texts, spec.vocab_size)
    config = tiny_config(spec, tokenizer)
    torch.manual_seed(spec.seed)  # the weights are a function of the spec alone
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = config.text_config.eos_token_id
    model.generation_config.pad_token_id = config.text_config.pad_token_id
    model.generation_config.bos_token_id = config.text_config.bos_token_id
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    image_processor = Qwen2VLImageProcessorPil(size={"shortest_edge": spec.min_pixels, "longest_edge": spec.max_pixels})
    Processor(tokenizer, image_processor).save_pretrained(out_dir)
    return out_dir


def _offline() -> bool:
    return any(os.environ.get(k, "").strip().lower() in {"1", "true", "yes", "on"}
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def resolve_source(source: str) -> str:
    """A local folder as is; a hub id to its cached snapshot, or a download when online."""
    if Path(source).expanduser().is_dir():
        return str(Path(source).expanduser())
    if source.startswith((".", "/", "~")) or source.count("/") != 1:
        raise ModelSourceError(f"model source {source!r} is neither a local folder nor a hub id (owner/name); "
                               "set train.model to the local folder of a saved checkpoint")
    from huggingface_hub import snapshot_download

    hint = (f"model {source!r} is not in the local Hugging Face cache and the hub cannot be reached "
            "(HF_HUB_OFFLINE or no network). Download it where there is network "
            f"(`hf download {source} --local-dir DIR`), copy DIR here and set train.model to that local "
            "folder (-S train.model=DIR), or use the tiny default")
    try:  # the cache first: works offline and costs no request
        return snapshot_download(source, local_files_only=True)
    except Exception as err:
        if _offline():
            raise ModelSourceError(hint) from err
    try:
        return snapshot_download(source, etag_timeout=10)
    except Exception as err:
        raise ModelSourceError(f"{hint}; cause: {type(err).__name__}: {err}") from err


def load(source: str | Path, *, min_pixels: int | None = None, max_pixels: int | None = None,
         dtype: torch.dtype = torch.float32, quantization_config: Any = None,
         attn_implementation: str = "sdpa") -> tuple[Any, Processor]:
    """(model, processor) from a local folder (tiny default or a saved real checkpoint) or a hub id.

    Pixel bounds left at None are the checkpoint's own (its preprocessor_config.json).
    ``quantization_config`` (QLoRA's 4-bit NF4, from ``methods.quantization_config``) loads the
    weights quantised onto this process's GPU. ``attn_implementation``: resolved by
    :func:`claimvlm.model.placement.attention_implementation`."""
    from transformers import AutoModelForImageTextToText

    path = resolve_source(str(source))
    extra: dict[str, Any] = {}
    if quantization_config is not None:
        extra = {"quantization_config": quantization_config,
                 "device_map": {"": int(os.environ.get("LOCAL_RANK", "0"))}}
    try:
        model = AutoModelForImageTextToText.from_pretrained(path, dtype=dtype, local_files_only=True,
                                                            attn_implementation=attn_implementation, **extra)
        processor = Processor.from_pretrained(path, min_pixels=min_pixels, max_pixels=max_pixels,
                                              local_files_only=True)
    except (OSError, ValueError) as err:
        raise ModelSourceError(f"cannot load a Qwen2.5-VL model and processor from {path}: {err}; "
                               "train.model must be a local folder holding config.json, the weights, the "
                               "tokenizer and preprocessor_config.json") from err
    return model, processor


def encode_example(processor: Processor, record: dict[str, Any], image: Any,
                   max_length: int | None = None) -> dict[str, Any]:
    """One build record + its page image -> input_ids, attention_mask, labels, pixel_values, image_grid_thw.

    The prompt (system, user turn with the expanded image, ``<|im_start|>assistant\\n``) and the
    answer are tokenised separately and concatenated, so the label mask falls exactly on the
    answer's tokens whatever BPE would have merged across the boundary.
    """
    messages = record["messages"]
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError(f"record {record.get('id')!r} does not end with an assistant turn")
    answer = "".join(c["text"] for c in messages[-1]["content"] if c.get("type") == "text") \
        if not isinstance(messages[-1]["content"], str) else messages[-1]["content"]
    vision = processor.images([image])
    prompt = processor.expand(processor.apply_chat_template(messages[:-1], add_generation_prompt=True),
                              vision["image_grid_thw"].tolist())
    tok = processor.tokenizer
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tok(answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
    tail_ids = tok("\n", add_special_tokens=False)["input_ids"]
    input_ids = prompt_ids + answer_ids + tail_ids
    labels = [IGNORE_INDEX] * len(prompt_ids) + answer_ids + [IGNORE_INDEX] * len(tail_ids)
    if max_length is not None and len(input_ids) > max_length:
        # Cutting into the image tokens would break the vision/text alignment: refuse instead.
        if input_ids[max_length - 1:].count(tok.convert_tokens_to_ids(IMAGE_TOKEN)):
            raise ValueError(f"max_length {max_length} cuts into the image's {len(prompt_ids)}-token prompt")
        input_ids, labels = input_ids[:max_length], labels[:max_length]
    return {
        "input_ids": torch.tensor(input_ids, dtype=torch.long),
        "attention_mask": torch.ones(len(input_ids), dtype=torch.long),
        "labels": torch.tensor(labels, dtype=torch.long),
        "pixel_values": vision["pixel_values"],
        "image_grid_thw": vision["image_grid_thw"],
    }


def collate(batch: list[dict[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad the token sequences; patches and grids concatenate (the model splits them by grid)."""
    width = max(len(ex["input_ids"]) for ex in batch)

    def pad(key: str, value: int) -> torch.Tensor:
        out = torch.full((len(batch), width), value, dtype=torch.long)
        for i, ex in enumerate(batch):
            out[i, : len(ex[key])] = ex[key]
        return out

    return {
        "input_ids": pad("input_ids", pad_id),
        "attention_mask": pad("attention_mask", 0),
        "labels": pad("labels", IGNORE_INDEX),
        "pixel_values": torch.cat([ex["pixel_values"] for ex in batch], dim=0),
        "image_grid_thw": torch.cat([ex["image_grid_thw"] for ex in batch], dim=0),
    }


def base_model(model: nn.Module) -> nn.Module:
    """The transformers model under a peft wrapper (or the model itself)."""
    get = getattr(model, "get_base_model", None)
    return get() if callable(get) else model


def parts(model: nn.Module) -> dict[str, nn.Module]:
    """The three freezable parts: ``vision`` (patch embedding + blocks, without the merger),
    ``merger`` (the patch merger projecting into the language model) and ``language`` (the
    decoder with its embeddings and ``lm_head``; tied weights are one parameter)."""
    base = base_model(model)
    inner = getattr(base, "model", None)
    visual = getattr(inner, "visual", None)
    language = getattr(inner, "language_model", None)
    if visual is None or language is None or not hasattr(visual, "merger"):
        raise ModelSourceError(f"{type(base).__name__} is not a Qwen2.5-VL model: expected model.visual "
                          "(with .merger) and model.language_model")
    vision = nn.ModuleList([m for name, m in visual.named_children() if name != "merger"])
    lang = nn.ModuleList([language] + ([base.lm_head] if hasattr(base, "lm_head") else []))
    return {"vision": vision, "merger": visual.merger, "language": lang}
