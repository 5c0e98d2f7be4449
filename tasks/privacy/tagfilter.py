"""Which of the learned tagger's spans count beside the rules (claimvlm.privacy.tagger is the
detector's backstop; docs/privacy.md has the rounds that set each filter): a name it marks where no
rule fired, or longer than a rule's, passes :func:`tagged_name_ok` or :func:`role_held_name`; its
numbers pass unless they are dates or measurements."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from claimvlm.privacy import namelists as W
from claimvlm.privacy import patterns as P
from claimvlm.privacy import tagger
from claimvlm.privacy.nameparts import CLOSES_FIELD, HANGUL_AFTER, NEXT_LABEL
from claimvlm.privacy.names import word_before
from claimvlm.privacy.nameword import analyse, is_word, only_closers, surname_lengths, table_name, vetoed

Found = tuple[str, int, int]  # type, start, end


class Rule(NamedTuple):
    """A rule's span, as the tagger's filter sees it."""

    type: str
    start: int
    end: int


# What ends a field's value: a separator, a bracket, a full stop, the line's end or the next label.
_FIELD_END = re.compile(rf"{CLOSES_FIELD.pattern}|[ \t]*[(（]|{NEXT_LABEL.pattern}")
# A label that names a count, an amount or a measurement: the number after it is none of the
# identifiers the tagger backs up (수량 00123456, 금액: 12345678).
_MEASURE_BEFORE = re.compile(r"(?:수량|금액|단가|합계|총액|소계|일수|횟수|용량|개수|수치|검사치|결과값|점수|체중|용법)"
                             r"[ \t]*[:=]?[ \t]*$")


def backstop(text: str, found: Sequence[Found], types: frozenset[str]) -> Iterator[Found]:
    """The tagger's spans of ``types`` that count beside the rules' ``found`` (type, start, end)."""
    for kind, a, b, confidence in tagger.tag(text):
        if kind != "name" and (P.DATE_DIGITS.fullmatch(text, a, b) or _MEASURE_BEFORE.search(text, max(0, a - 12), a)):
            continue
        inside = [Rule(*s) for s in found if s[1] < b and a < s[2]]
        # A rule's name inside the tagger's longer one (노이 of 노이서, 반 안 of 응우옌 반 안): the rule
        # stopped early on syllables its tables lack; the longer span replaces it when it passes.
        longer = kind == "name" and confidence >= HELD_CONFIDENCE and all(
            s.type == "name" and a <= s.start and s.end <= b and b - a > s.end - s.start for s in inside)
        longer = longer or kind == "name" and confidence >= 0.98 and all(s.type == "name" for s in inside) and any(
            s.start < a or s.end > b for s in inside)
        if kind in types and (not inside or longer):
            after = HANGUL_AFTER.match(text, b).group()  # type: ignore[union-attr]
            if kind != "name" or tagged_name_ok(text[a:b], after, confidence) or confidence >= HELD_CONFIDENCE and (
                    role_held_name(text[a:b], word_before(text, a) if text[a - 1:a].isspace() else "",
                                   _FIELD_END.match(text, b) is not None)):
                yield kind, a, b


# The next field's label glued on; an OCR'd 주민 번호 may come apart after 주민 or 주민번.
_GLUED_LABEL = re.compile(f"(?:{P.GLUED_FIELDS_ALT}|주민번?$)")


def tagged_name_ok(run: str, after: str = "", confidence: float = 0.0) -> bool:
    """A name the learned tagger marked where no rule fired (``after``: the Hangul that follows it in the
    same word, which must be particles or a title: 노로바|이러스 is no name). Kept unless it is a filler, role or place
    word, one dictionary word (조영제, 여드름), a word that opens with a dictionary noun (안구+건조,
    기립+성, 이완+제: the tagger's usual mistake after a role), or a medical-looking ending no surname
    table explains. Romanised names (KIM, MINJUN) and foreign names with spaces or dots pass on shape.
    Names that are also words (한여름, 신부) are left to the rules' strong cues."""
    stem = re.sub(r"[\s·,.\-]", "", run)
    # particles, a title, or the next field's label glued on (김유나진료기간, 이새롬주민등록번호); in a
    # line written without spaces, a particle and the rest of the line (권예서가서류를대리제출) after a
    # confident name that the tables explain
    if after and not (only_closers(after) or _GLUED_LABEL.match(after) or confidence >= HELD_CONFIDENCE
                      and after.startswith(W.JOSA + W.COPULA) and table_name(stem, W.GIVEN_WIDE, 3)):
        return False
    if stem.isascii():
        return stem.isalpha() and 2 <= len(stem) <= 30
    if _foreign_name(run):
        return True
    if not 2 <= len(stem) <= 7 or not all("가" <= ch <= "힣" for ch in stem) or vetoed(stem) or is_word(stem):
        return False
    if _opens_with_noun(stem) and not (confidence >= HELD_CONFIDENCE and _split_name(stem)):
        return False
    return table_name(stem, W.GIVEN_WIDE, 3) or not (len(stem) >= 3 and stem[-1] in W.TERM_FINAL)


# A role named just before the word (주치의 방석, / 배우자 조영상 동행 / 신고인 우주(손녀)): what the tagger
# marks there is kept though Kiwi knows it as a word or splits it, since the tagger's features saw
# the role and what follows; but such a word, or one with a clinical ending, only where its field
# ends with it (운전자 구슬, but not 환자 천공 관련 or 간호사 허혈성 모니터링).
_HELD_BY = frozenset(W.CLAIM_ROLES | W.STAFF_ROLES | W.RELATIONS | {"환자", "환자명", "성명", "이름"})
HELD_CONFIDENCE = 0.9  # the least marginal of the span's labels (0.8 took clinical words on both sets)


def role_held_name(run: str, before: str, closes: bool) -> bool:
    """A name the tagger marked right after a role word (``before``, its colon dropped): two to four
    syllables from the full surname table, not a filler, role, department, clinical term or masked
    name (보호자 본인, 의사 김모); a word Kiwi knows or splits only where ``closes`` (its field ends
    with it)."""
    if before.rstrip(":：") not in _HELD_BY or not 2 <= len(run) <= 4 or not all("가" <= ch <= "힣" for ch in run):
        return False
    if not surname_lengths(run) or vetoed(run):
        return False
    return closes or not (is_word(run) or _opens_with_noun(run) or len(run) > 2 and run[-1] in W.TERM_FINAL)


def _foreign_name(run: str) -> bool:
    """A foreign name written in Hangul, its parts spaced or dotted (마크 안토니 델라크루즈, 나탈리아·쿠즈네초바):
    two to four parts of two to six syllables, none a word Kiwi knows or a vetoed one."""
    parts = re.split(r"[\s·]+", run.strip())
    return 2 <= len(parts) <= 4 and sum(map(len, parts)) > 7 and all(
        2 <= len(w) <= 6 and all("가" <= ch <= "힣" for ch in w) and not is_word(w) and not vetoed(w) for w in parts)


def _split_name(stem: str) -> bool:
    """Three or four syllables that a surname and given syllables from the wide table explain, with no
    clinical ending (박동수, 조영상): what Kiwi splits as noun + rest is a name as often as a compound
    there, but not a noun and the suffix 성 (性: 기립성, 허혈성), which makes clinical adjectives of any
    noun."""
    if len(stem) not in (3, 4) or stem[-1] in W.TERM_FINAL or not table_name(stem, W.GIVEN_WIDE, 3):
        return False
    last = analyse(stem)[-1]
    return not (last[0] == "성" and last[1] == "XSN")


def _opens_with_noun(stem: str) -> bool:
    """Kiwi reads the word as a common noun of two syllables or more and a rest (안구+건조, 기립+성)."""
    first = analyse(stem)[0]
    return first[2] == 0 and first[1].startswith("NN") and first[1] != "NNP" and not first[4] and first[3] >= 2
