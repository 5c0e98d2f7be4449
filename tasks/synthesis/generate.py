"""The ``synth`` stage: synthetic claim documents with exact ground truth.

Document ``i`` depends only on ``(seed, i)`` and the parameters, never on the worker
that made it or on the order of completion, so the same parameters give byte-identical
outputs on one core or many.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import hashlib
import io
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from claimvlm.docstore import SUBDIRS, json_bytes, plain_json_bytes
from claimvlm.parallel import opencv_on_one_thread, process_map
from claimvlm.synthesis import fonts
from claimvlm.synthesis.degrade import Page, shared_step
from claimvlm.synthesis.forms import FORMS
from claimvlm.synthesis.render import LAYOUTS, FontSet, render, text_style
from claimvlm.synthesis.values import GENERATORS

if TYPE_CHECKING:
    from claimvlm.parallel import ExecutorParams
    from claimvlm.synthesis.params import SynthParams

CLEAN = "clean"


@dataclass
class Document:
    """One generated document in memory (the image stays here; only paths leave the stage)."""

    doc_id: str
    label: dict[str, Any]
    image: np.ndarray
    boxes: dict[str, Any]
    meta: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def doc_id(seed: int, index: int) -> str:
    return f"syn{seed}-{index:06d}"


def fontset(params: SynthParams, value_font: str) -> FontSet:
    dirs = tuple(params.fonts.font_dirs)
    return FontSet(*(fonts.require_hangul(n, dirs) for n in (params.fonts.title, params.fonts.label, value_font)))


def _corners(boxes: list[dict]) -> np.ndarray:
    pts = [((x0, y0), (x1, y0), (x1, y1), (x0, y1)) for x0, y0, x1, y1 in (b["bbox"] for b in boxes)]
    return np.asarray(pts, dtype=np.float32).reshape(-1, 2)


def _moved(boxes: list[dict], points: np.ndarray, size: tuple[int, int]) -> list[dict]:
    """Boxes after a geometric degradation: the transformed quad and its clipped bounding box."""
    # One array operation for all boxes (a page has a few hundred), rounding included, so the JSON
    # is what a per-box np.clip and round(x, 1) wrote: the points are float32, ten times one is
    # exact in float64, and numpy's round (rint of x*10, over 10) gives Python's float.
    quads = points.reshape(-1, 4, 2)
    lows = np.clip(quads.min(axis=1), 0, size)
    highs = np.clip(quads.max(axis=1), 0, size)
    bboxes = np.round(np.concatenate([lows, highs], axis=1).astype(np.float64), 1).tolist()
    rounded = np.round(quads.astype(np.float64), 1).tolist()
    return [{**box, "bbox": bbox, "quad": quad} for box, bbox, quad in zip(boxes, bboxes, rounded, strict=True)]


def rgb_array(image: Image.Image) -> np.ndarray:
    """``np.asarray(image)`` for an RGB page. Pillow keeps RGB as four bytes a pixel and numpy's
    copy packs them 64 kB at a time (2.5 ms an A4 page at 150 dpi); its Arrow export hands over
    the four-byte rows as they are, and OpenCV drops the fourth byte (0.75 ms). A page Pillow keeps
    in several blocks (above 16 MB: 300 dpi) cannot be exported so and takes numpy's way."""
    import cv2
    import pyarrow as pa

    try:
        pixels = pa.array(image).flatten()
    except ValueError:  # "Image rows are not contiguous in memory"
        return np.asarray(image)
    rows = np.frombuffer(pixels.buffers()[1], np.uint8, count=len(pixels), offset=pixels.offset)
    return cv2.cvtColor(rows.reshape(image.height, image.width, 4), cv2.COLOR_RGBA2RGB)


def make_document(params: SynthParams, index: int, *, doc_type: str | None = None, layout: str | None = None,
                  profile: str | None = None) -> Document:
    """Generate document ``index``; keyword overrides pin type, layout or capture profile (for galleries)."""
    r = random.Random(f"claimvlm-synth:{params.seed}:{index}")
    rng = np.random.default_rng([params.seed, index])
    t0 = time.perf_counter()
    types, weights = zip(*params.doc_types.items(), strict=True)
    chosen_type = doc_type or r.choices(types, weights)[0]
    chosen_layout = LAYOUTS[layout or r.choice(sorted(LAYOUTS))]
    value_font = r.choice(params.fonts.values)
    label = GENERATORS[chosen_type](r, params.line_items)
    canvas = render(FORMS[chosen_type](label, text_style(chosen_layout)), chosen_layout,
                    fontset(params, value_font), params.dpi)
    t1 = time.perf_counter()

    deg = params.degrade
    if profile is None:
        names = sorted(n for n, p in deg.profiles.items() if p.weight > 0)
        degraded = bool(names) and r.random() < deg.prob
        profile = r.choices(names, [deg.profiles[n].weight for n in names])[0] if degraded else CLEAN
    applied: list[str] = []
    image = rgb_array(canvas.image)
    fields, words = canvas.fields, canvas.words
    if profile != CLEAN:
        page = Page(image, _corners(fields + words), rng)
        for step in deg.profiles[profile].steps:
            if r.random() < step.p:
                page = shared_step(step.name, step.args)(page)
                applied.append(step.name)
        image = page.image
        moved = _moved(fields + words, page.points, canvas.image.size)
        fields, words = moved[: len(fields)], moved[len(fields):]
    t2 = time.perf_counter()

    ident = doc_id(params.seed, index)
    meta = {
        "doc_id": ident, "index": index, "seed": params.seed, "document_type": chosen_type,
        "layout": chosen_layout.name, "value_font": value_font, "dpi": params.dpi,
        "degradation": {"profile": profile, "steps": applied},
        "width": int(image.shape[1]), "height": int(image.shape[0]),
    }
    boxes = {"doc_id": ident, "width": meta["width"], "height": meta["height"], "fields": fields, "words": words}
    return Document(ident, label.model_dump(mode="json"), image, boxes, meta,
                    {"render": t1 - t0, "degrade": t2 - t1})


def encode(image: np.ndarray, fmt: str, params: SynthParams) -> bytes:
    if fmt == "png":
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, format="PNG", compress_level=params.png_compress_level)
        return buf.getvalue()
    # OpenCV's writer, straight from the array: the same libjpeg-turbo settings as Pillow's
    # quality=q, subsampling=0 give the same bytes (tests/synthesis), 1.2 ms a page sooner.
    import cv2

    flags = [cv2.IMWRITE_JPEG_QUALITY, params.jpeg_quality,
             cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), flags)
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image.shape} page as JPEG")
    return data.tobytes()


@functools.cache
def _keep_freed_pages() -> None:
    """Let glibc reuse freed page-sized buffers instead of handing them back to the kernel.

    Every degradation step allocates a new page (6.5 MB at 150 dpi, up to 26 MB as float32).
    By default glibc maps such blocks fresh and unmaps them on free, or trims them off the top of
    the heap, so each new page costs ~1,600 page faults: 4-7 ms of a ~55 ms document here. With
    the mmap threshold fixed at 32 MB (the most glibc's own adjustment reaches) and a 128 MB trim
    threshold (at 16 MB it was slower than the default), they come from and go back to the
    process heap, which keeps up to 128 MB free. Memory only, once per process: outputs do not
    change. Where there is no glibc mallopt the allocator is left alone."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 128 << 20)


def _write_one(args: tuple[SynthParams, int, Path]) -> dict[str, Any]:
    params, index, out = args
    _keep_freed_pages()  # in the worker process, where the pages are made
    doc = make_document(params, index)
    t0 = time.perf_counter()
    fmt = params.clean_format if doc.meta["degradation"]["profile"] == CLEAN else params.degraded_format
    image_name = f"{doc.doc_id}.{'png' if fmt == 'png' else 'jpg'}"
    image_bytes = encode(doc.image, fmt, params)
    doc.seconds["encode"] = time.perf_counter() - t0
    files = {
        f"images/{image_name}": image_bytes,
        f"labels/{doc.doc_id}.json": json_bytes(doc.label),
        f"boxes/{doc.doc_id}.json": plain_json_bytes(doc.boxes),  # strings, ints, None, coordinates
    }
    meta = {**doc.meta, "image": f"images/{image_name}",
            "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}}
    files[f"meta/{doc.doc_id}.json"] = json_bytes(meta)
    for rel, data in files.items():
        (out / rel).write_bytes(data)
    return {"meta": meta, "seconds": doc.seconds}


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").exists():
            raise FileExistsError(f"{out} is not empty and holds no synth manifest; refusing to overwrite it")
        for sub in SUBDIRS:
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / "manifest.json").unlink()
    for sub in SUBDIRS:
        (out / sub).mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class SynthResult:
    manifest_path: Path
    manifest: dict[str, Any]
    seconds: dict[str, float]  # summed per phase over documents, plus wall time
    workers: int


def _count(metas: list[dict], key: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in metas:
        k = key(m)
        counts[k] = counts.get(k, 0) + 1
    return dict(sorted(counts.items()))


def run(params: SynthParams, out: Path, *, progress: bool = True,
        executor: ExecutorParams | None = None) -> SynthResult:
    """Generate ``params.num_docs`` documents into ``out`` and write ``out/manifest.json``.

    ``executor``: where documents are made (None or kind local: ``params.workers`` local
    processes). With dask, ``out`` must be a path every worker can write to."""
    for name in {params.fonts.title, params.fonts.label, *params.fonts.values}:
        fonts.require_hangul(name, tuple(params.fonts.font_dirs))  # fail before starting workers
    _prepare(out)
    workers = params.workers or os.cpu_count() or 1
    jobs = [(params, i, out.resolve()) for i in range(params.num_docs)]  # absolute: workers may run elsewhere
    # A pool of local processes fills the cores on its own: OpenCV's threads would only add CPU.
    pool = workers > 1 and (executor is None or executor.kind == "local")
    start = time.perf_counter()
    with opencv_on_one_thread() if pool else contextlib.nullcontext():
        results = process_map(_write_one, jobs, workers=workers, desc="synth", progress=progress,
                              executor=executor, names=[doc_id(params.seed, i) for i in range(params.num_docs)])
    wall = time.perf_counter() - start
    metas = [res["meta"] for res in results]
    manifest = {
        "stage": "synth",
        "num_docs": len(metas),
        # workers is left out: it changes how fast, never what is generated.
        "params_sha256": hashlib.sha256(params.model_dump_json(exclude={"workers"}).encode()).hexdigest(),
        "counts": {
            "document_type": _count(metas, lambda m: m["document_type"]),
            "layout": _count(metas, lambda m: m["layout"]),
            "profile": _count(metas, lambda m: m["degradation"]["profile"]),
        },
        "documents": [{"doc_id": m["doc_id"], "document_type": m["document_type"], "image": m["image"],
                       "sha256": m["sha256"]} for m in metas],
    }
    path = out / "manifest.json"
    path.write_bytes(json_bytes(manifest))
    seconds = {k: sum(res["seconds"][k] for res in results) for k in ("render", "degrade", "encode")}
    return SynthResult(path, manifest, {**seconds, "wall": wall}, workers)
