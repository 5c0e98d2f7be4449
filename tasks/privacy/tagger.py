"""A learned recall backstop beside the rules: a character CRF (python-crfsuite) that tags PII spans.

Why a CRF over characters: Korean names carry no capital letters and the same syllables make
ordinary words, so what tells a name is its neighbourhood (the label or role before it, the title,
signature or particle after it, the shape of the run) rather than a list. A linear-chain CRF over
characters learns exactly those cues from annotated text, runs in microseconds per line, needs no
GPU, and its model is a few MB. It is trained on generated claim text (`notes_corpus`, written
apart from the rules) by `claimvlm pii-tagger train`; the development and held-out sets stay out of
its training, so both still measure it. `detect.find_pii` takes its spans where no rule fired
(`BACKSTOP_TYPES`); docs/privacy.md has the comparison that decided which types.

Features per character: the character, its class, a ±3 window, bigrams, the class shape around it,
and the token it sits in (its shape, length, position) with the token before and after it, with
the punctuation between (so `환자명:`, `보호자`, `(인)`, `님` are features of the name they frame).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from claimvlm.privacy import namelists as W

MODEL_PATH = Path(__file__).with_name("pii_tagger.crfsuite")
# Tokens: runs of Hangul, of Latin letters and digits (with the joiners numbers, dates and e-mails
# use), or one other character; whitespace separates. Punctuation between two tokens is a feature.
_TOKEN = re.compile(r"[가-힣]+|[A-Za-z0-9][A-Za-z0-9\-.@_]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9가-힣]")
_FRAME = frozenset(":/|,()[]<>·-=")


def _cls(ch: str) -> str:
    if "가" <= ch <= "힣":
        return "H"
    if ch.isdigit():
        return "D"
    if ch.isascii() and ch.isalpha():
        return "A" if ch.isupper() else "a"
    if ch.isspace():
        return "_"
    return ch


def _shape(token: str) -> str:
    """The token's classes with runs squeezed and digit runs counted: 010-1234-5678 -> D3-D4-D4."""
    out: list[str] = []
    for m in re.finditer(r"(\d+)|([가-힣]+)|([A-Z]+)|([a-z]+)|(.)", token):
        if m[1]:
            out.append(f"D{min(len(m[1]), 13)}")
        elif m[2]:
            out.append(f"H{min(len(m[2]), 6)}")
        elif m[3] or m[4]:
            out.append("A" if m[3] else "a")
        else:
            out.append(m[5])
    return "".join(out)[:24]


def _name_shape(tok: str) -> str:
    """How the surname and given-syllable tables read a Hangul token (a hint, not a verdict)."""
    for n in (2, 1):
        if tok[:n] in (W.TWO_SURNAMES if n == 2 else W.SURNAMES):
            rest = tok[n:]
            given = "g" if rest and all(ch in W.GIVEN_WIDE for ch in rest) else "x"
            return f"s{n}{given}{min(len(rest), 4)}"
    return "-"


def features(text: str) -> list[list[str]]:
    """One feature list per character of ``text``."""
    n = len(text)
    classes = [_cls(ch) for ch in text]
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    # For each character: the index of its token (-1 for whitespace).
    owner = [-1] * n
    for k, (a, b) in enumerate(tokens):
        for i in range(a, b):
            owner[i] = k
    words = [k for k, (a, b) in enumerate(tokens) if not (b - a == 1 and text[a] in _FRAME)]
    word_index = {k: j for j, k in enumerate(words)}
    token_feats: list[list[str]] = []
    for k, (a, b) in enumerate(tokens):
        tok = text[a:b]
        f = [f"t={tok}" if len(tok) <= 4 else f"tl={min(b - a, 20)}", f"ts={_shape(tok)}"]
        if "가" <= tok[0] <= "힣":
            f.append(f"tn={_name_shape(tok)}")
        if k in word_index:
            j = word_index[k]
            prev = [text[slice(*tokens[w])] for w in words[max(0, j - 2):j]]
            nxt = [text[slice(*tokens[w])] for w in words[j + 1:j + 3]]
            f += [f"p1={prev[-1] if prev else '^'}", f"p2={prev[0] if len(prev) == 2 else '^'}",
                  f"n1={nxt[0] if nxt else '$'}", f"n2={nxt[1] if len(nxt) == 2 else '$'}"]
            if prev:
                between = text[tokens[words[j - 1]][1]:a].replace(" ", "_")
                f.append(f"pb={between[-3:]}")
                f.append(f"ps={_shape(prev[-1])}")
            if nxt:
                f.append(f"nb={text[b:tokens[words[j + 1]][0]].replace(' ', '_')[:3]}")
        token_feats.append(f)
    out: list[list[str]] = []
    for i, ch in enumerate(text):
        c = classes[i]
        f = [f"c={ch}", f"k={c}", f"lex={(ch in W.SURNAMES) + 2 * (ch in W.GIVEN_WIDE)}",
             f"sh={''.join(classes[max(0, i - 2):i + 3])}",
             f"b-={text[i - 1:i + 1] if i else '^' + ch}", f"b+={text[i:i + 2]}"]
        for o in (-3, -2, -1, 1, 2, 3):
            j = i + o
            f.append(f"c{o}={text[j] if 0 <= j < n else '#'}")
        k = owner[i]
        if k >= 0:
            a, b = tokens[k]
            pos = "S" if b - a == 1 else "B" if i == a else "E" if i == b - 1 else "I"
            f.append(f"tp={pos}")
            f.extend(token_feats[k])
        out.append(f)
    return out


def bio(text: str, spans: Iterable[tuple[str, int, int]]) -> list[str]:
    """Character labels: B-type at a span's first character, I-type inside it (spaces too), O elsewhere."""
    labels = ["O"] * len(text)
    for kind, start, end in spans:
        labels[start] = f"B-{kind}"
        for i in range(start + 1, end):
            labels[i] = f"I-{kind}"
    return labels


def spans_of(text: str, labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """The spans a label sequence marks (an I- with no B- before it opens a span too), trimmed of spaces."""
    found: list[tuple[str, int, int]] = []
    kind, start = None, 0
    for i, label in enumerate([*labels, "O"]):
        tag, _, t = label.partition("-")
        if kind is not None and (tag != "I" or t != kind):
            found.append((kind, start, i))
            kind = None
        if tag == "B" or (tag == "I" and kind is None):
            kind, start = t, i
    trimmed = []
    for kind, a, b in found:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((kind, a, b))
    return trimmed


def train(examples: Iterable[tuple[str, Sequence[tuple[str, int, int]]]], out: Path, *, c1: float = 0.05,
          c2: float = 0.01, iterations: int = 150) -> Path:
    """Fit the CRF on (text, spans) pairs and write it to ``out`` (L-BFGS with elastic-net: c1 prunes)."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for text, spans in examples:
        if text:
            trainer.append(features(text), bio(text, spans))
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    return out


# The generators the shipped model learns from: each written independently of the rules and of the
# other, from the domain notes and a brief (their docstrings say by whom and when).
CORPORA = ("claimvlm.privacy.notes_corpus", "claimvlm.privacy.notes_corpus_b", "claimvlm.privacy.notes_corpus_c",
           "claimvlm.privacy.notes_corpus_d", "claimvlm.privacy.notes_corpus_e")


def corpus(n: int, seed: int) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """``n`` annotated lines from each generator in CORPORA, deterministic for ``seed``."""
    import importlib

    lines = []
    for k, name in enumerate(CORPORA):
        for note in importlib.import_module(name).generate(n, seed + k):
            lines.append((note.text, [(s.type, s.start, s.end) for s in note.spans]))
    return lines


_local = threading.local()  # a crfsuite Tagger is not safe to share between threads


def available(path: Path = MODEL_PATH) -> bool:
    return path.is_file()  # not cached: a model trained in this process counts at once


def tag(text: str, path: Path = MODEL_PATH) -> list[tuple[str, int, int, float]]:
    """The spans the model at ``path`` marks in ``text``, each with its confidence: the least
    marginal probability of its characters' labels (nothing when there is no model)."""
    if not text or not available(path):
        return []
    taggers = _local.__dict__.setdefault("taggers", {})
    tagger = taggers.get(path)
    if tagger is None:
        import pycrfsuite

        tagger = taggers[path] = pycrfsuite.Tagger()
        tagger.open(str(path))
    labels = tagger.tag(features(text))
    return [(kind, a, b, min(tagger.marginal(labels[i], i) for i in range(a, b)))
            for kind, a, b in spans_of(text, labels)]
