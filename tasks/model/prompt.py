"""The prompt a model reads a page with: the instruction, and (document anchoring) the page's
OCR text with coarse positions.

olmOCR's document anchoring: beside the image, the prompt carries the text a cheap engine read
off the page, line by line in reading order, each line prefixed with its position. The model
then maps text it can see to the schema's fields, correcting what the engine misread by looking
at the page, instead of reading Korean print at 88 image tokens. The build stage reads every
page once (cached by DVC), training learns on those prompts, and the package records the
:class:`PromptSpec` so evaluation, export, parity and serving build the prompt the model was
trained on (serving reads the upload with the same engine).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROMPT_FILE = "claimvlm_prompt.json"
DEFAULT_INSTRUCTION = ("이 문서의 종류를 판별하고, 스키마에 정의된 모든 필드를 JSON으로 추출하세요. "
                       "Identify the document type and return every field of its schema as JSON.")
ANCHOR_HEADER = "OCR [x,y]:"  # what precedes the lines; x, y are the line's start in % of the page


class AnchorParams(BaseModel):
    """``build.anchoring``: whether and how a page's OCR text goes into its prompt. ``AnchorParams()``
    alone is off (a PromptSpec of a model trained without anchors); the build section's default and
    params.yaml turn it on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["none", "ocr"] = "none"
    engine: Literal["tesseract"] = "tesseract"
    lang: str = "kor+eng"
    coordinates: bool = True
    # A cap in characters: the Qwen2 tokenizer spends at most one token per Hangul syllable or
    # digit, so it bounds the anchor's tokens too. Lines past the cap are left out whole.
    max_chars: int = Field(1500, gt=0)


Words = list[list[Any]]  # [[text, x0, y0, x1, y1], ...] in page pixels: what the build stage stores


def read_words(image: Any, params: AnchorParams) -> Words:
    """The page's OCR words, rounded to whole pixels (compact and JSON-able)."""
    from claimvlm.page_ocr import ocr_words

    return [[w.text, round(w.x0), round(w.y0), round(w.x1), round(w.y1)] for w in ocr_words(image, params.lang)]


def anchor_text(words: Sequence[Sequence[Any]], width: int, height: int, params: AnchorParams) -> str:
    """Words chained into lines, top to bottom, as ``[x,y]text`` lines (or bare text), capped."""
    from claimvlm.page_ocr import Word, group_lines

    lines = group_lines([Word(str(t), float(a), float(b), float(c), float(d)) for t, a, b, c, d in words])
    out: list[str] = []
    used = 0
    for line in lines:
        text = " ".join(w.text for w in line)
        if params.coordinates:
            x = min(99, max(0, round(100 * line[0].x0 / max(width, 1))))
            y = min(99, max(0, round(100 * sum(w.y0 + w.y1 for w in line) / (2 * len(line)) / max(height, 1))))
            text = f"[{x},{y}]{text}"
        if used + len(text) + 1 > params.max_chars:
            break
        out.append(text)
        used += len(text) + 1
    return "\n".join(out)


@dataclass(frozen=True)
class PromptSpec:
    """What a model was trained to read: its instruction and its anchoring."""

    instruction: str
    anchoring: AnchorParams = field(default_factory=AnchorParams)

    @property
    def anchored(self) -> bool:
        return self.anchoring.mode != "none"

    def user_text(self, anchor: str | None = None) -> str:
        """The user turn's text: the instruction, then the anchor lines when anchoring is on."""
        if not self.anchored:
            return self.instruction
        return f"{self.instruction}\n{ANCHOR_HEADER}\n{anchor or ''}"

    def text_for(self, image: Any) -> str:
        """The user text for a page image, reading it with the anchoring engine when that is on."""
        if not self.anchored:
            return self.instruction
        width, height = image.size
        return self.user_text(anchor_text(read_words(image, self.anchoring), width, height, self.anchoring))

    def to_json(self) -> dict[str, Any]:
        return {"instruction": self.instruction, "anchoring": self.anchoring.model_dump(mode="json")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PromptSpec:
        return cls(str(data["instruction"]), AnchorParams(**data.get("anchoring", {"mode": "none"})))

    def save(self, model_dir: Path) -> None:
        (Path(model_dir) / PROMPT_FILE).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1),
                                                   encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path, default_instruction: str) -> PromptSpec:
        """The spec saved beside a model; a model saved before anchoring existed reads the bare instruction."""
        path = Path(model_dir) / PROMPT_FILE
        if not path.is_file():
            return cls(default_instruction)
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def page_texts(spec: PromptSpec, pages: Sequence[Any]) -> tuple[list[str], float]:
    """Each page's user text, and the seconds spent reading anchors (serving times them)."""
    import time

    started = time.perf_counter()
    texts = [spec.text_for(page) for page in pages]
    return texts, (time.perf_counter() - started) if spec.anchored else 0.0
