"""Korean personal names in free text: which cue, how strong, and where the name starts and ends.

A name is found from the cue around it, and the cue sets how much the word itself must prove
(the checks on one word are in claimvlm.privacy.nameword):

- STRONG: a name field (성명, 성 명, 환자명, 서명 ...), any role label with a colon (보호자: X), a
  signature (X (인), X (서명), ㊞) or a name before a licence number. Any Hangul run of 2-5 syllables,
  spaced or not, is a name, unless it is a word that fills a name's place without naming anyone
  (없음, 미상, 본인, 배우자) or Kiwi reads it as ordinary vocabulary (동의함, 소견상) that no surname
  table makes a name.
- MEDIUM: a role label without a colon (보호자 X, 의사 X), a title or honorific after the word
  (X 교수, X 님), a letter's closing (X 드림), a bracket with age or sex (X(여/45세)). Here the next
  word is as often a phrase (보호자 동의, 의사 소견), so the word needs a surname from the full table,
  given syllables from the wide table, and no dictionary reading.
- WEAK: any other field label with a colon, a neighbouring identifier, a dash closing a line: a
  common surname, common given syllables and no dictionary reading.
- none: a word closed by a particle (김영희는) or a standalone three-syllable word Kiwi holds as a
  proper noun (김민수), with the strictest checks.

Kiwi's model loads on first use, never at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from claimvlm.privacy import namelists as W
from claimvlm.privacy import patterns as P
from claimvlm.privacy.formline import form_values, label_type
from claimvlm.privacy.nameparts import (
    CLOSES_FIELD,
    FOREIGN_LEAD,
    GLUED_FIELD,
    HANGUL_AFTER,
    NEXT_LABEL,
    foreign,
    foreign_lead,
    glued_end,
    glued_title,
    spaced,
    word_name,
)
from claimvlm.privacy.nameword import (
    MEDIUM,
    ROLE_WORDS,
    STRONG,
    WEAK,
    _kiwi,  # noqa: F401 - re-exported: detect's tests check that it stays unloaded at import
    accept,
    analyse,
    is_word,
    name_like,
    ordinary,
    particles_at,
    stems,
    strong_ok,
    surname_lengths,
    table_name,
    unknown_word,
    vetoed,
)

_HANGUL_RUN_FULL = re.compile(r"[가-힣]{2,5}(?: [가-힣]{1,4}){0,3}")


# --- a run of words after (or before) a cue ------------------------------------------------------------------
def _in_run(text: str, start: int, run: str, strength: int, colon: bool = False,
            field: bool = False, closed: bool = False, role: str = "") -> list[tuple[int, int]]:
    """The name at the start of `run` (text[start:]), if the cue's strength accepts one. A relation or
    role in between (보호자: 모 김영희, 담당: 간호사 윤세아) is skipped."""
    first = start
    for _ in range(2):
        head = run.split(maxsplit=1)
        # not when the next word is the next field's label (성명: 방문 성별: 여): the word is the value
        if len(head) == 2 and len(head[1].split(maxsplit=1)[0]) >= 2 and not GLUED_FIELD.match(head[1]) and (
                head[0] in W.RELATIONS or head[0] in ROLE_WORDS or head[0] in W.NON_NAME):
            start, run = start + run.index(head[1]), head[1]
    if " " in run or "\t" in run:
        in_parts = spaced(run.replace("\t", " "), strength) or (
            foreign(run, strict=strength < STRONG) if strength >= MEDIUM else None)
        if in_parts:
            return [(start, start + len(in_parts))]
        run = run.split()[0]
    if (title := glued_title(run)) and not closed:  # 심도나선생님: the title glued on ends the name
        run, closed = run[:-len(title)], True
    if len(run) > 5 and " " not in run and (k := next((k for k in range(2, 6) if run.startswith(W.SURE_JOSA, k)), 0)):
        run = run[:k]  # text without spaces (본인김하나는위내용을): the particle ends the name
    # A word that closes a field (a separator or the line's end follows: 보조의 김하람, 박연은 |) carries
    # no particle, so the whole word comes first there too.
    closes = closed or CLOSES_FIELD.match(text, start + len(run)) is not None
    # the next field's label follows (환자 성명 유지 생년월일 ...): the word is this field's whole value
    next_label = NEXT_LABEL.match(text, start + len(run)) is not None
    if field and not colon and next_label:
        colon, closes = True, True
    closes = closes or next_label  # 환자 하나 등록번호 ...: the next field begins
    if field and closes and not colon:  # a name field's cell (| 성명 이별 |): as sure as 성명: 이별, but a
        colon, field = True, False      # header row (성명\t금액\t...) must not pass for one
    candidates = stems(run, whole_first=strength == STRONG or closes, closed=closes)
    if strength == MEDIUM and len(run) == 3 and run[-1] in W.NAME_FINAL_JOSA:
        # 보호자 장식이, 배우자 김분이 동행: the last syllable Kiwi cut as a particle is the name's more often
        # than not, since a one-syllable given name is rare: the whole word first
        candidates = [run, *(c for c in candidates if c != run)]
    for stem in candidates:
        if accept(stem, strength, colon, whole=stem == run, field=field):
            return [(start, start + len(stem))]
    if closes and (role in W.CLAIM_ROLES or role in W.STAFF_ROLES or next_label and role == "환자" and start == first) and word_name(run):
        return [(start, start + len(run))]
    return []


def _before_cue(text: str, start: int, run: str, strength: int) -> list[tuple[int, int]]:
    """A name right before 씨/님/교수/(인)...: nothing comes between, so the whole word is the name, but a
    dictionary word plus a particle (조영제를 환자) is a phrase, not a name."""
    if " " in run:
        in_parts = spaced(run, max(strength, MEDIUM), title=True)
        return [(start, start + len(in_parts))] if in_parts == run else []
    cut = particles_at(analyse(run))
    # A dictionary word and a particle (조영제를 환자, 경부의 (인)) is a phrase; only 도/이/은..., which
    # also end names (유연도 (인)), are let through after a strong cue.
    if cut and (is_word(run[:cut]) or run[:cut] in W.NAME_STOP) and (
            strength < STRONG or run[cut:] not in W.NAME_FINAL_JOSA):
        return []
    ok = strong_ok(run, False) if strength == STRONG else name_like(run, strength, title=True)
    return [(start, start + len(run))] if ok else []


def _sure_honorific(run: str) -> bool:
    """김민 씨, 간시준 님: any given syllables after a surname, but not a word (고객님, 위로금님); two
    syllables from the tables may be a word too (정진 씨), since nobody writes 경련 씨."""
    if word_name(run) and run not in W.PLACE_STOP:
        return True  # 환자 유지 님, 이상 님: no one puts 님 after a clinical word
    return 2 <= len(run) <= 5 and bool(surname_lengths(run)) and not vetoed(run) and (
        name_like(run, MEDIUM, title=True) or not is_word(run) and unknown_word(run)
        or len(run) == 2 and table_name(run, W.GIVEN, 1, W.COMMON_SURNAMES))


# --- all cues ----------------------------------------------------------------------------------------------
def find_names(text: str, claimed: Sequence[tuple[str, int, int]]) -> list[tuple[int, int]]:
    """(start, end) of every name, none overlapping `claimed` (type, start, end) spans."""
    taken = bytearray(len(text))  # characters already claimed: a mask keeps the checks O(span length)
    for _, a, b in claimed:
        taken[a:b] = b"\x01" * (b - a)
    found = list(_cued(text, claimed))
    found = [(a, b) for a, b in found if not any(taken[a:b])]
    for a, b in found:
        taken[a:b] = b"\x01" * (b - a)
    for m in P.HANGUL_RUN.finditer(text):
        if not any(taken[m.start():m.end()]) and (stem := _uncued(m.group()) or _bare(text, m)):
            found.append((m.start(), m.start() + len(stem)))
    return found


def _bare(text: str, m: re.Match[str]) -> str | None:
    """A standalone word with no cue and no particle: a textbook three-syllable name (common surname,
    common given syllables) that Kiwi's dictionary holds as one proper noun, as it does many people's
    names (김민수, 박지은) and no medical term made of name syllables."""
    word = m.group()
    if len(word) != 3 or m.end() < len(text) and not (text[m.end()].isspace() or text[m.end()] in ",.;:/|()[]"):
        return None
    if word[0] not in W.COMMON_SURNAMES or not all(ch in W.GIVEN for ch in word[1:]) or vetoed(word):
        return None
    if word[-1] in W.TERM_FINAL or word[:2] in W.NAME_STOP:
        return None
    tokens = analyse(word)
    return word if len(tokens) == 1 and tokens[0][1] == "NNP" and not tokens[0][4] else None


def _cued(text: str, claimed: Sequence[tuple[str, int, int]]) -> Iterator[tuple[int, int]]:
    pos, glued_next = 0, None
    # searched by hand: a label may follow a rejected one, or be glued to the name before it
    while m := glued_next or P.NAME_LABEL.search(text, pos):
        pos, glued_next = max(pos, m.end("label")), None
        colon = m["colon"] is not None
        label = re.sub(r"[ \t]", "", m["label"])
        strength = STRONG if colon or label in P.SURE_LABEL_SET else MEDIUM
        rel = re.split(r"[,/]", m["rel"] or "")[0]
        if rel and _HANGUL_RUN_FULL.fullmatch(rel.strip()):  # 보호자(김민수), 환자(김민수, 45세): a name in the bracket
            yield from _in_run(text, m.start("rel") + len(rel) - len(rel.lstrip()), rel.strip(),
                               STRONG, colon=True)
        if GLUED_FIELD.match(text, m.start("run")):
            continue  # a label list (환자번호/성명/병실: ...): the next label, not a value
        run, glued = m["run"], glued_end(text, m.start("run"))
        if glued:  # the next field's label is glued on (성명홍길동주민등록번호): a form line, the name ends there
            run, colon = run[:glued], True
        elif not (m["gap"] or colon or m["josa"] or m["rel"]) and not (
                label in P.SURE_LABEL_SET and CLOSES_FIELD.match(text, m.start("run") + len(run.split()[0]))):
            # glued to the label (의사소견, 본인부담금): only a textbook name, or a plausible one after a
            # name field (환자성명김민수, an OCR'd form line); a name field's cell (환자명방문 /) stays sure
            strength = MEDIUM if strength == STRONG else WEAK
        if m["josa"] in _SURNAME_JOSA and (name := _josa_surname(text, m)):
            yield name  # 수진자이봉윤 |: the 이 read as the label's particle is the name's surname
            continue
        found = _in_run(text, m.start("run"), run, strength, colon, field=label in P.SURE_LABEL_SET,
                        closed=bool(glued), role=label)
        yield from found
        if glued:  # 집도의:이진우보조의:김시후: the label glued on is the next field's
            glued_next = _LABEL_GLUED.match(text, m.start("run") + glued)
        while found and (m2 := P.NAME_NEXT.match(text, found[0][1])):  # a list: 간호사: 옥지율, 모하은
            found = _in_run(text, m2.start("name"), m2["name"], min(strength, MEDIUM))
            yield from found
    # a label-list line (환자번호/성명/병실: 00236602/김나길/208호): the value in a name label's place
    for value in form_values(text):
        if label_type(value.label, _FORM_NAME_LABELS) and (run := _HANGUL_RUN_FULL.match(text, value.start)):
            yield from _in_run(text, value.start, run.group(), STRONG, colon=True, field=True)
    for m in P.NAME_VOCATIVE.finditer(text):  # 지민아 엄마, 서현 엄마: a child's name
        name, call = m["name"], m["call"]
        if not call and len(name) >= 2 and name[-1] in "아야":
            name, call = name[:-1], name[-1]  # the pattern took 지민아 whole before trying the call
        if not call:  # no call: a whole name (김서현 엄마) or a given name of two syllables
            if len(name) == 3 and name_like(name, MEDIUM) or len(name) == 2 and all(ch in W.GIVEN_WIDE for ch in name) \
                    and not vetoed(name) and not is_word(name) and not ordinary(name):
                yield m.start("name"), m.end("name")
            continue
        # The call is covered too: 지민아 may be 지민 called or 김민아 named, and the span covers both.
        if table_name(name + call, W.GIVEN_WIDE, 2, W.COMMON_SURNAMES) or all(
                ch in W.GIVEN_WIDE for ch in name) and not vetoed(name) and not is_word(name + call) and (
                len(name) > 1 or not is_word(name)):
            yield m.start("name"), m.start("name") + len(name) + len(call)
    for m in P.NAME_KEY.finditer(text):  # cust_nm=김민수, "pt_name": "김민수", pt_name=MARIA SANTOS
        if m["latin"]:
            yield m.start("latin"), m.end("latin")
        else:
            yield from _in_run(text, m.start("run"), m["run"], STRONG, colon=True, field=True)
    for m in P.NAME_SELF.finditer(text):  # 엄마 나 고진순인데, 제 이름은 박빈람이고
        yield from _before_cue(text, m.start("name"), m["name"], STRONG if "이름" in m.group() else MEDIUM)
    for m in P.LATIN_NAME.finditer(text):
        group = "name" if m["name"] else "name2"
        if not set(m[group].upper().split()) & P.LATIN_STOP:
            yield m.start(group), m.end(group)
    for pattern, strength in ((P.NAME_SIGNED, STRONG), (P.NAME_LICENSED, STRONG), (P.NAME_CLOSING, STRONG),
                              (P.NAME_INTRO, MEDIUM)):
        pos = 0
        while m := pattern.search(text, pos):  # overlapping: 5월 3일 김다온 (인) is tried from 3일 and 김다온
            pos = m.start() + 1
            yield from _before_cue(text, m.start("name"), m["name"], strength)
    pos = 0
    while m := P.NAME_HONORIFIC.search(text, pos):
        pos = m.start() + 1
        run = m["name"]
        glued = m.end("name") == m.start("hon")
        if " " in run and glued and not _ends_word(text, m.end("hon")):
            continue  # 수술 후 주의사항: a title glued to a spaced name must end the word (송 소훈선생님이)
        lead = FOREIGN_LEAD.search(text, max(0, m.start("name") - 40), m.start("name"))
        if m["hon"] in ("씨", "님") and " " not in run and lead and (
                foreign(f"{lead[1]} {run}", strict=True) or foreign_lead(lead[1], run)):
            yield lead.start(1), m.end("name")  # 수닐 셰르파씨: a transcribed name in parts
            continue
        if m["hon"] in P.SURE_HONORIFIC_SET and " " not in run:
            cut = particles_at(analyse(run))
            # No particle stands before a glued title (박석은님께 is 박석은, not 박석+은): only a spaced one.
            role = word_before(text, m.start("name")) in ROLE_WORDS  # 보호자 정유용님께: a role and a title around it
            # 보호자 이재민님께: a role before and a title glued after hold even a dictionary word
            held = role and glued and table_name(run, W.GIVEN_WIDE, 3) and not vetoed(run)
            if not (cut and is_word(run[:cut]) and not glued) and (
                    _sure_honorific(run) or role and strong_ok(run, False) or held):
                # 안꽃님: after two syllables a glued 님 is the given name's (꽃님), not a title
                own = m["hon"] == "님" and len(run) == 2 and glued
                yield m.start("name"), m.end("hon") if own and not is_word(run) else m.end("name")
        else:
            yield from _before_cue(text, m.start("name"), run, MEDIUM)
    # A bracket with a number, sex or age after a word (송현우(700521-...), 김영희(여/45세)) is a
    # person's; any other field label with a colon (본인 확인: 김춘자) or a dash (- 김다인) is weaker.
    for m in P.NAME_PAREN.finditer(text):  # the bracket closes the word: all of it is the name
        group = next(g for g in ("name", "name2", "name3", "name4") if m.groupdict().get(g))
        start, run = m.start(group), m[group]
        if group == "name4":  # (김민수/45세/...): a patient's bracket opens with the name, as a field would
            yield from _in_run(text, start, run, STRONG, colon=True, field=True, closed=True)
            continue
        # 보호자 이수한(010-3962-7189): a phone or registration number in the bracket is as sure as a label
        strength = STRONG if _ID_IN_BRACKET.match(text, m.end(group)) else MEDIUM
        found = _before_cue(text, start, run, strength)
        if not found and " " in run:  # 처 한나래(23세): no spaced name, so the word before the bracket
            last = run.rsplit(" ", 1)[1]
            start, run = start + len(run) - len(last), last
            found = _before_cue(text, start, run, MEDIUM)
        yield from found or _in_run(text, start, run, MEDIUM, closed=True,
                                    role=word_before(text, start) if len(run) == 2 else "")
    for pattern, strength in ((P.NAME_COLON, WEAK), (P.NAME_SIGNATURE, WEAK)):
        for m in pattern.finditer(text):
            yield from _in_run(text, m.start("name"), m["name"], strength)
    # 故 김민수, 고 김민수, 망 김민수: the deceased insured
    for m in P.NAME_DECEASED.finditer(text):
        yield from _in_run(text, m.start("name"), m["name"], STRONG if m["mark"] == "故" else MEDIUM)
    for kind, a, _ in claimed:  # 김상철 / 010-..., 오예나(900101-...): nothing but a separator in between
        if kind in _NEXT_TO_NAME and (m := P.NAME_BEFORE_ID.search(text, max(0, a - 12), a)):
            yield from _before_cue(text, m.start("name"), m["name"], MEDIUM) or _in_run(
                text, m.start("name"), m["name"], WEAK)


_SURNAME_JOSA = frozenset({"이", "가"})  # particles that are also surnames


def _josa_surname(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """A label glued to a name whose surname reads as the label's particle (수진자이봉윤, 환자가나은 /):
    taken when the two syllables after it close a field, are no word, and make a name with it."""
    word = re.match(r"[가-힣]+", m["run"])
    given = word.group() if word else ""
    if glued := glued_end(text, m.start("run")):  # 환자성명이아예생년월일
        given = given[:glued]
    end = m.start("run") + len(given)
    glued = bool(glued) or end < len(text) and text[end].isascii() and text[end].isalnum()  # 환자이철수K80.20
    if not 2 <= len(given) <= 3 or not (CLOSES_FIELD.match(text, end) or glued):
        return None
    name = m["josa"] + given
    sure = glued and re.sub(r"[ \t]", "", m["label"]) in P.SURE_LABEL_SET  # 환자성명이아예생년월일: a form line
    if vetoed(given) or not sure and (is_word(given) or ordinary(given)) or not table_name(name, W.GIVEN_WIDE, 2):
        return None
    return m.start("josa"), end


_LABEL_GLUED = re.compile(P.NAME_LABEL.pattern.replace("(?<![가-힣A-Za-z])", "", 1))

_ID_IN_BRACKET = re.compile(r"[ \t]?[(（][ \t]?(?:0\d{1,2}[-) .]?\d{3,4}[- .]?\d{4}|\d{6}[ \t]?-[ \t]?\d)")


def word_before(text: str, at: int) -> str:
    """The word just before ``at`` (a short window: this runs once per cue)."""
    words = text[max(0, at - 24):at].split()
    return words[-1] if words else ""


def _ends_word(text: str, at: int) -> bool:
    """Nothing but particles between ``at`` and the end of the word (선생님|이, 님|께서)."""
    rest = HANGUL_AFTER.match(text, at).group()  # type: ignore[union-attr]
    return not rest or any(rest == j for j in W.JOSA)


_FORM_NAME_LABELS = {"name": frozenset((P.SURE_LABELS + " " + P.AMBIGUOUS_LABELS).replace("_", "").split())}

# Identifiers that people write right after a name (김상철 / 010-1234-5678).
_NEXT_TO_NAME = frozenset({"rrn", "foreign_registration_no", "phone", "email", "passport", "driver_license"})


def _uncued(run: str) -> str | None:
    """A name with no label or honorific: it must be followed by a particle in the same word (김영희는)
    and have at least three syllables. A common surname and common given syllables pass the usual
    checks; anything rarer (구본찬이, 맹름우우와) must also be a word Kiwi does not know at all."""
    if len(run) < 4 or not surname_lengths(run) or any(run[:k] in W.NAME_STOP for k in (2, 3, 4)):
        return None
    # Cheap checks before Kiwi: given-name syllables, then a particle-like ending after 3-5 syllables.
    s = max(surname_lengths(run))
    if not all(ch in W.GIVEN_WIDE for ch in run[s:3]) or not any(run[k:] in W.JOSA for k in (3, 4, 5)):
        return None
    stem = next((x for x in stems(run) if len(x) < len(run)), "")
    if len(stem) < 3 or vetoed(stem):
        return None
    if surname_lengths(stem, W.COMMON_SURNAMES) and name_like(stem):
        return stem
    tokens = analyse(stem)
    unknown = any(t[4] or t[1] == "NNP" and t[3] >= 2 for t in tokens) and not any(
        not t[4] and t[1] != "NNP" and t[3] >= 2 for t in tokens)
    return stem if unknown and name_like(stem, MEDIUM) and stem[-1] not in W.TERM_FINAL else None
