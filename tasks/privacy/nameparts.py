"""The shape of the words after a name cue (used by claimvlm.privacy.names): where a field closes,
labels an OCR'd form glues on, spaced names (김 민 수), transcribed foreign names in parts (나탈리아
페트로바) and two-syllable words that are also given names (이상, 하나)."""

from __future__ import annotations

import re

from claimvlm.privacy import namelists as W
from claimvlm.privacy import patterns as P
from claimvlm.privacy.nameword import (
    MEDIUM,
    ROLE_WORDS,
    STRONG,
    TITLES,
    analyse,
    is_word,
    only_closers,
    ordinary,
    stems,
    strong_ok,
    surname_lengths,
    table_name,
    unknown_word,
    vetoed,
)

# What closes a field after a word: a separator (ㅣ and ¦ are OCR's |), a full stop, the line's end, a tab.
CLOSES_FIELD = re.compile(r"[ \t]*(?:[,|¦ㅣ/;)\]}·]|\.(?!\d)|$)| *\t")
# A field label that ends where a value or a separator starts (주민등록번호9001.., 병실: ): a name that
# merely begins like one (서명진, 주소연) goes on in Hangul.
_FIELDS = P.GLUED_FIELDS_ALT
GLUED_FIELD = re.compile(f"(?:{_FIELDS})(?![가-힣])")
# After a name the label may run on into its value (보호자성명원영수관계모연락처): any label, or 주민 before 번호.
FIELD_AFTER_NAME = re.compile(f"{_FIELDS}|주민(?=[ \t]?번호)|{'|'.join(P.BANKS.split())}")


def glued_end(text: str, start: int) -> int | None:
    """Where a field label glued to the word at `start` begins (홍길동|주민등록번호, 김영희|생년월일): the
    name ends there. None when none starts after the word's second syllable and within its sixth."""
    return next((k for k in range(2, 6) if "가" <= text[start + k - 1: start + k] <= "힣"
                 and FIELD_AFTER_NAME.match(text, start + k)), None)


# The Hangul glued on at a position (the rest of the word there).
HANGUL_AFTER = re.compile("[가-힣]*")
# A single syllable that is never the last of a given name (박진는, 김철를): a particle.
_NEVER_FINAL = frozenset("는를와과의께에")
# What a three-syllable name is followed by, glued, far more often than by a fourth given syllable:
# particles, copulas, titles and counters (김민수가, 김민수님, 김민수측, 김민수외).
_AFTER_FULL_NAME = frozenset("은는이가을를의와과도만께로랑요아야임며고님씨군양옹측들등외분") | W.SPACED_STOP


def whole_name_end(text: str, start: int, end: int) -> int:
    """Where the name found at ``text[start:end]`` ends, taking one more glued syllable that the
    rules or the tagger read as a particle or left out: after a surname and one given syllable (박진|은,
    손유|이, 하보|가), where three-syllable names are the rule and a particle swallowed with a rare
    two-syllable name still covers the name, while a syllable left out leaks part of it (only where
    the word ends there or particles follow: 박진은이); after three syllables only where the word
    ends there and the syllable is no particle, title or counter (김해맑|음)."""
    stem = text[start:end]
    if not 2 <= len(stem) <= 3 or not "가" <= text[end:end + 1] <= "힣" or not surname_lengths(stem):
        return end
    syllable, rest = text[end], HANGUL_AFTER.match(text, end + 1).group()  # type: ignore[union-attr]
    name = stem + syllable
    if vetoed(name) or is_word(name):
        return end
    if len(stem) == 2:
        ok = 1 in surname_lengths(stem) and syllable not in _NEVER_FINAL and (
            not rest or only_closers(rest) and table_name(name, W.GIVEN_WIDE, 2))
    else:
        ok = not rest and syllable not in _AFTER_FULL_NAME and table_name(name, W.GIVEN_WIDE, 3)
    return end + 1 if ok else end


# --- a run of words after (or before) a cue ---------------------------------------------------------------
_LAST_SYLLABLE_JOSA = frozenset("의은는이가을를와과도께")


def spaced(run: str, strength: int, title: bool = False) -> str | None:
    """The spaced name at the start of `run`: 안 재 빛 서 (a surname, then single syllables) or 김 민수 /
    남궁 민수 (a surname, then a given name of 1-3 syllables). None when it does not start with one."""
    parts = run.split()
    if len(parts) < 2 or not surname_lengths(parts[0]) or len(parts[0]) not in surname_lengths(parts[0]):
        return None
    if parts[0] in W.RELATIONS or parts[0] in W.NON_NAME:
        return None  # 모 김민수, 처 이순자: a relation, then the name
    given_table = W.GIVEN_WIDE if strength >= MEDIUM else W.GIVEN
    singles = []
    for p in parts[1:5]:
        if len(parts[0]) + len(singles) >= 5 or p[0] in W.SPACED_STOP:
            break
        if len(p) >= 2 and singles and (p[1] in _LAST_SYLLABLE_JOSA and len(p) == 2 or FIELD_AFTER_NAME.match(p, 1)):
            singles.append(p[0])  # 김 루 아의, 노 하 준은, 추 도 은계좌: a particle or a label on the last syllable
            break
        if len(p) != 1:
            break
        singles.append(p)
    if singles == ["모"]:
        return None  # 김 모 씨: a name left out (claimvlm.privacy.nameword.masked)
    if singles:
        given = "".join(singles)
        name = " ".join([parts[0], *singles])
    else:
        given = next((g for g in stems(parts[1]) if 1 <= len(g) <= 3), "")
        name = f"{parts[0]} {given}"
        if len(given) == 3 and table_name(given, W.GIVEN_WIDE, 2, W.COMMON_SURNAMES):
            return None  # 남 김민수: a whole name after a syllable, not a given name after a surname
        if not given or given in W.NON_NAME or given in W.NAME_STOP:
            return None
        if strength < STRONG and len(given) >= 2 and (is_word(given) if title else ordinary(given)):
            return None  # 이 증상, 한 달간: a determiner or counter before a word (김 복순 과장: a title follows)
    if strength < STRONG and not all(ch in given_table for ch in given):
        return None
    # a letter-spaced label (번 호, 전 화, 주 소) is no spaced name
    return name if not vetoed(given) and given not in W.SPACED_STOP and not vetoed(name.replace(" ", "")) else None


NEXT_LABEL = re.compile(rf"[ \t]+(?:{_FIELDS})(?![가-힣])")


def glued_title(word: str) -> str | None:
    """A polite title glued to the word (심도나선생님, 김민수님): only those ending in 님 or 씨, as a
    profession glued on (주치의사) may be the word itself."""
    # 님 and 씨 alone need three syllables before them: 별님, 꽃님 are given names (김별님).
    return next((t for t in TITLES if t.endswith(("님", "씨")) and word.endswith(t)
                 and len(word) - len(t) >= (3 if len(t) == 1 else 2) and " " not in word), None)


def word_name(word: str) -> bool:
    """A two-syllable word that is also a given name with a common surname (이상, 하나, 유지, 안정): a
    name only where a person's field closes around it."""
    return (len(word) == 2 and word[0] in W.TOP_SURNAMES and word[1] in W.GIVEN_WIDE
            and word not in W.NON_NAME and word not in ROLE_WORDS and word not in W.DEPARTMENTS)


def foreign(run: str, strict: bool = False) -> str | None:
    """A transcribed foreign name in parts after a name field (성명: 응우옌 반 안, 마이클 존슨): a first part
    no Korean table explains, then parts Kiwi does not read as ordinary words. `strict` (after a role
    without a colon: 고객 나탈리아 페트로바): every part two syllables or more and no dictionary word."""
    parts = run.split()
    # 사라 윌리엄스: a first part that a Korean table explains is still foreign before a surname no table
    # explains (three syllables or more, unknown to Kiwi)
    foreign_next = len(parts) > 1 and len(parts[1]) >= 3 and not table_name(parts[1], W.GIVEN_WIDE, 3) and (
        unknown_word(parts[1]) and noun_only(parts[1]) and not is_word(parts[1]))
    if table_name(parts[0], W.GIVEN_WIDE, 3) and not foreign_next or not strong_ok(parts[0], True):
        return None
    if strict and (len(parts[0]) < 2 or not unknown_word(parts[0]) or not noun_only(parts[0])
                   or holds_noun(parts[0])):  # 온누리라이프 박끝순: a company's name before a person's
        return None
    n = 1
    while n < min(len(parts), 4) and _continues(parts, n, strict):
        n += 1
    return " ".join(parts[:n]) if n > 1 else None


def _continues(parts: list[str], n: int, strict: bool) -> bool:
    """Whether ``parts[n]`` goes on a transcribed name: a short part no ordinary word. ``strict``: also two
    syllables or more, unknown to Kiwi once a particle is cut, nouns only before the last part, and no
    Korean full name (온누리라이프 박끝순: a Korean name after a word)."""
    part = parts[n]
    if len(part) > 4 or part in W.SPACED_STOP | {"남", "여"} or len(part) > 1 and ordinary(part) or vetoed(part):
        return False
    if not strict:
        return True
    stem = next(iter(stems(part)), part)
    return (len(part) >= 2 and not is_word(part) and unknown_word(stem)
            and (n == len(parts) - 1 or noun_only(part)) and not korean_full_name(part))


def korean_full_name(word: str) -> bool:
    """Three syllables after one of the thirty commonest surnames (박끝순): a Korean name of its own,
    not the last part of a transcribed one (차이야, 하루토 start otherwise)."""
    return len(word) == 3 and word[0] in W.TOP_SURNAMES and not is_word(word)


def holds_noun(word: str) -> bool:
    """Kiwi finds a common noun of two syllables or more in `word` (온누리+라이프)."""
    return any(t[3] >= 2 and not t[4] and t[1] == "NNG" for t in analyse(word))


def noun_only(word: str) -> bool:
    """Kiwi reads `word` as proper, common or unknown nouns only: no bound noun, particle or ending (데+요)."""
    return all(t[4] or t[1] in ("NNG", "NNP") for t in analyse(word))


FOREIGN_LEAD = re.compile(r"(?:^|(?<=[\s,(/]))([가-힣]{2,6}(?: [가-힣]{1,6}){0,2}) $")


def foreign_lead(lead: str, last: str) -> bool:
    """Parts before a title (솜차이 차이야씨): the first no Korean name and unknown to Kiwi, the last
    no dictionary word (the title, not a particle, closes it)."""
    first = lead.split()[0]
    return (len(first) >= 2 and not table_name(first, W.GIVEN_WIDE, 3)
            and all(unknown_word(p) and noun_only(p) and not vetoed(p) for p in lead.split())
            and not holds_noun(first)
            and not is_word(last) and not vetoed(last) and not korean_full_name(last))
