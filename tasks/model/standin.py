"""A stand-in for ``Qwen/Qwen2.5-VL-3B-Instruct``: the hub folder's layout and metadata, random weights.

What a real checkpoint brings that the tiny default does not: its ``config.json`` in the hub's
(transformers 4, flat) form, bf16 weights in two safetensors shards with an index and the legacy
key names, the released generation and preprocessor configs, a 151,936-row embedding, and the
tokenizer's special tokens at their real ids. :func:`write_standin` writes all of that, so the
loaders, LoRA, the memory plan and generation are exercised on the real layout without the 7 GB
download (nothing here may reach the network). ``scale="small"`` keeps every field but shrinks
widths and depths for CPU tests; ``"3b"``/``"7b"`` are the released widths, for a GPU (or the
meta device, to count parameters).

Decision, the vocabulary: the released one (151,643 byte-level BPE ranks) is not available
offline. A registry wheel ships it as ``qwen.tiktoken``, but a test-time dependency on an API
client for one file is not worth it, and token ids would still be all a test can check. So the
tokenizer is a byte-level BPE with Qwen2's own pipeline (NFC, its pre-tokenizer regex, ByteLevel)
whose merges are learned from ``texts`` (pass the dataset's text), the remaining ranks up to
151,643 filled with placeholder entries no merge produces (``<unused_N>``, never emitted by
encoding), so the special and added tokens land at their real ids (151643 ``<|endoftext|>`` ...
151664 ``<|file_sep|>``). Token counts of Korean text are close to the real tokenizer's (one or
two tokens per Hangul syllable), not equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import torch

from claimvlm.model.processor import CHAT_TEMPLATE

Scale = Literal["small", "3b", "7b"]
REPO = "Qwen/Qwen2.5-VL-3B-Instruct"
BPE_RANKS = 151_643  # the released vocabulary's regular entries; added tokens follow
# The released added tokens in id order from 151643, and whether each is "special".
ADDED_TOKENS: tuple[tuple[str, bool], ...] = (
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
    ("<|object_ref_start|>", True), ("<|object_ref_end|>", True), ("<|box_start|>", True), ("<|box_end|>", True),
    ("<|quad_start|>", True), ("<|quad_end|>", True), ("<|vision_start|>", True), ("<|vision_end|>", True),
    ("<|vision_pad|>", True), ("<|image_pad|>", True), ("<|video_pad|>", True),
    ("<tool_call>", False), ("</tool_call>", False), ("<|fim_prefix|>", False), ("<|fim_middle|>", False),
    ("<|fim_suffix|>", False), ("<|fim_pad|>", False), ("<|repo_name|>", False), ("<|file_sep|>", False),
)
TOKEN_IDS = {content: BPE_RANKS + i for i, (content, _special) in enumerate(ADDED_TOKENS)}
LEARNED_MAX = 32_000  # ranks learned from texts at most; a claims corpus learns far fewer
DEFAULT_TEXTS: tuple[str, ...] = (
    "진단서 환자 성명 홍길동 주민등록번호 900101-1****** 병명 급성 위장염 (K52.9) 발병일 2024-03-01 진단일 2024-03-02",
    "진료비 계산서·영수증 환자등록번호 00123456 진료기간 2024-05-10 ~ 2024-05-12 본인부담금 125,000원 합계 348,200원",
    "수술기록지 수술명 복강경 담낭절제술 수술일 2024-06-21 집도의 김민수 마취 전신마취 병원명 서울중앙병원",
    "입퇴원확인서 입원일 2024-01-15 퇴원일 2024-01-20 입원일수 6일 진료과 내과 주치의 이영희",
    '{"document_type": "receipt", "patient_name": "김철수", "hospital_name": "한국대학교병원", "total": 348200}',
    '{"document_type": "diagnosis_certificate", "diagnoses": [{"code": "K52.9"}], "issue_date": "2024-03-02"}',
)

# Released widths (config.json of the Instruct checkpoints); "small" keeps the 3B's fields and
# proportions (M-RoPE 16:24:24 of the rotary half, a full-attention block closing each half of
# the vision tower) at CPU-test sizes, with the real vocabulary size and tied embeddings.
_TEXT: dict[str, dict[str, Any]] = {
    "3b": {"hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36, "num_attention_heads": 16,
           "num_key_value_heads": 2, "max_window_layers": 70, "tie_word_embeddings": True, "vocab_size": 151936},
    "7b": {"hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
           "num_key_value_heads": 4, "max_window_layers": 28, "tie_word_embeddings": False, "vocab_size": 152064},
    "small": {"hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "max_window_layers": 70, "tie_word_embeddings": True, "vocab_size": 151936},
}
_VISION: dict[str, dict[str, Any]] = {
    "3b": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
           "fullatt_block_indexes": [7, 15, 23, 31]},
    "small": {"depth": 4, "hidden_size": 64, "intermediate_size": 172, "num_heads": 2, "fullatt_block_indexes": [1, 3]},
}
_VISION["7b"] = _VISION["3b"]


def mrope_section(head_dim: int) -> list[int]:
    """M-RoPE's (temporal, height, width) split of the rotary half-dimension, 16:24:24 as in the
    released 128-dim heads (``[16, 24, 24]``), summing to ``head_dim / 2``."""
    half = head_dim // 2
    if half % 8:
        raise ValueError(f"head_dim {head_dim}: the 2:3:3 M-RoPE split needs head_dim divisible by 16")
    return [half // 4, 3 * half // 8, 3 * half // 8]


def hub_config(scale: Scale = "3b") -> dict[str, Any]:
    """``config.json`` as the hub holds it (transformers 4's flat layout, which transformers 5 reads:
    the text fields at the top level, ``rope_scaling`` of type mrope, ``torch_dtype``)."""
    text, vision = _TEXT[scale], _VISION[scale]
    head_dim = text["hidden_size"] // text["num_attention_heads"]
    return {
        "architectures": ["Qwen2_5_VLForConditionalGeneration"], "attention_dropout": 0.0,
        "bos_token_id": TOKEN_IDS["<|endoftext|>"], "eos_token_id": TOKEN_IDS["<|im_end|>"],
        "vision_start_token_id": TOKEN_IDS["<|vision_start|>"], "vision_end_token_id": TOKEN_IDS["<|vision_end|>"],
        "vision_token_id": TOKEN_IDS["<|vision_pad|>"], "image_token_id": TOKEN_IDS["<|image_pad|>"],
        "video_token_id": TOKEN_IDS["<|video_pad|>"], "hidden_act": "silu",
        "hidden_size": text["hidden_size"], "initializer_range": 0.02, "intermediate_size": text["intermediate_size"],
        "max_position_embeddings": 128000, "max_window_layers": text["max_window_layers"], "model_type": "qwen2_5_vl",
        "num_attention_heads": text["num_attention_heads"], "num_hidden_layers": text["num_hidden_layers"],
        "num_key_value_heads": text["num_key_value_heads"], "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "sliding_window": 32768, "tie_word_embeddings": text["tie_word_embeddings"], "torch_dtype": "bfloat16",
        "transformers_version": "4.41.2", "use_cache": True, "use_sliding_window": False,
        "vision_config": {
            "depth": vision["depth"], "hidden_act": "silu", "hidden_size": vision["hidden_size"],
            "intermediate_size": vision["intermediate_size"], "num_heads": vision["num_heads"], "in_chans": 3,
            "out_hidden_size": text["hidden_size"], "patch_size": 14, "spatial_merge_size": 2,
            "spatial_patch_size": 14, "window_size": 112,
            "fullatt_block_indexes": list(vision["fullatt_block_indexes"]),
            "tokens_per_second": 2, "temporal_patch_size": 2,
        },
        "rope_scaling": {"type": "mrope", "mrope_section": mrope_section(head_dim)},
        "vocab_size": text["vocab_size"],
    }


# generation_config.json, preprocessor_config.json and chat_template.json of the released folder.
GENERATION_CONFIG: dict[str, Any] = {
    "bos_token_id": 151643, "pad_token_id": 151643, "do_sample": True, "eos_token_id": [151645, 151643],
    "repetition_penalty": 1.05, "temperature": 0.1, "top_p": 0.001, "top_k": 1, "transformers_version": "4.37.0",
}
PREPROCESSOR_CONFIG: dict[str, Any] = {
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor",
}


def _pipeline(tok: Any) -> None:
    """Qwen2's tokenizer.json pipeline (the one transformers' ``Qwen2Tokenizer`` also builds)."""
    from tokenizers import Regex, decoders, normalizers, pre_tokenizers, processors
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)


def build_tokenizer(texts: Iterable[str]) -> Any:
    """A ``tokenizers.Tokenizer``: merges learned from texts, placeholders up to rank 151,643, then
    the released added tokens at their real ids."""
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers, trainers

    learner = Tokenizer(models.BPE())
    _pipeline(learner)
    # min_frequency 2: a merge seen once is one synthetic name or number, not the language.
    trainer = trainers.BpeTrainer(vocab_size=LEARNED_MAX, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    learner.train_from_iterator(list(texts), trainer=trainer)
    learned = json.loads(learner.to_str())["model"]
    vocab: dict[str, int] = dict(learned["vocab"])
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in learned["merges"]]
    for rank in range(len(vocab), BPE_RANKS):
        vocab[f"<unused_{rank}>"] = rank
    if len(vocab) != BPE_RANKS:  # a learned token spelled like a placeholder
        raise ValueError("the texts produce a token named like a placeholder (<unused_N>)")
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, dropout=None, unk_token=None, continuing_subword_prefix="",
                               end_of_word_suffix="", fuse_unk=False, byte_fallback=False))
    _pipeline(tok)
    for content, special in ADDED_TOKENS:  # one at a time: each takes the next id
        token = AddedToken(content, special=special, normalized=False, lstrip=False, rstrip=False, single_word=False)
        (tok.add_special_tokens if special else tok.add_tokens)([token])
    wrong = {c: tok.token_to_id(c) for c, i in TOKEN_IDS.items() if tok.token_to_id(c) != i}
    if wrong:
        raise RuntimeError(f"added tokens at the wrong ids: {wrong}")
    return tok


def tokenizer_config() -> dict[str, Any]:
    """tokenizer_config.json of the released folder (chat template: the project's CHAT_TEMPLATE,
    the released Qwen2.5-VL-Instruct template written out)."""
    return {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(TOKEN_IDS[c]): {"content": c, "lstrip": False, "normalized": False,
                                                     "rstrip": False, "single_word": False, "special": s}
                                 for c, s in ADDED_TOKENS},
        "additional_special_tokens": [c for c, s in ADDED_TOKENS[1:] if s],
        "bos_token": None, "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>", "errors": "replace", "model_max_length": 131072, "pad_token": "<|endoftext|>",
        "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_tokenizer(out_dir: Path, texts: Iterable[str]) -> None:
    """tokenizer.json, vocab.json, merges.txt, tokenizer_config.json and chat_template.json."""
    tok = build_tokenizer(texts)
    tok.save(str(out_dir / "tokenizer.json"))
    model = json.loads(tok.to_str())["model"]
    _dump(out_dir / "vocab.json", model["vocab"])
    merges = [" ".join(m) if isinstance(m, list) else m for m in model["merges"]]
    (out_dir / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    _dump(out_dir / "tokenizer_config.json", tokenizer_config())
    _dump(out_dir / "chat_template.json", {"chat_template": CHAT_TEMPLATE})


def _two_shards(model: torch.nn.Module) -> int:
    """A ``max_shard_size`` (bytes) that splits this model into exactly two shards, as the hub's 3B
    is: huggingface_hub fills a shard until the next tensor would overflow it, and gives a tensor
    larger than the limit a shard of its own."""
    sizes = [p.numel() * p.element_size() for p in model.parameters()]  # a tied weight once; meta works too
    total, largest = sum(sizes), max(sizes)
    if 2 * largest > total:  # the embedding outweighs the rest (small scale): it alone, the rest together
        return largest - 1
    return (total + 1) // 2 + largest  # the first shard takes over half, the rest fits the second


def write_weights(out_dir: Path, *, seed: int = 0, device: str | torch.device = "cpu") -> None:
    """Random bf16 weights of out_dir's config.json, built on ``device`` (no fp32 CPU pass for a 3B on a
    GPU), saved in two shards with the index and the hub's key names (transformers 5 reverts its own)."""
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration

    config = AutoConfig.from_pretrained(out_dir)  # the model is built from what loaders will read
    torch.manual_seed(seed)  # the weights are a function of (scale, seed)
    with torch.device(device):
        model = Qwen2_5_VLForConditionalGeneration._from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(out_dir, max_shard_size=_two_shards(model))
    del model
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()
    index = json.loads((out_dir / "model.safetensors.index.json").read_text(encoding="utf-8"))
    shards = sorted(set(index["weight_map"].values()))
    if len(shards) != 2:
        raise RuntimeError(f"expected two weight shards, wrote {shards}")


def write_standin(out_dir: str | Path, *, scale: Scale = "small", texts: Iterable[str] | None = None, seed: int = 0,
                  device: str | torch.device | None = None) -> Path:
    """Write the stand-in folder and return it. ``texts``: what the tokenizer learns its merges from
    (the dataset's text; default a few claim-like lines). ``device``: where the weights are built,
    default CUDA for 3b/7b when there is one (a 3B is ~7.5 GB of bf16: build it there), else CPU."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if device is None:
        device = "cuda" if scale != "small" and torch.cuda.is_available() else "cpu"
    write_tokenizer(out, DEFAULT_TEXTS if texts is None else texts)  # first: seconds, where the weights take minutes
    hub = hub_config(scale)
    _dump(out / "config.json", hub)
    write_weights(out, seed=seed, device=device)
    # save_pretrained wrote transformers 5's nested config and a generation config of its own:
    # the released files replace them (the loaders must read the hub's form).
    _dump(out / "config.json", hub)
    _dump(out / "generation_config.json", GENERATION_CONFIG)
    _dump(out / "preprocessor_config.json", PREPROCESSOR_CONFIG)
    return out
