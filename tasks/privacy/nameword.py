"""Reading one word as a Korean personal name: syllable tables and kiwipiepy (used by names.py).

The cue in front of or after a word (see claimvlm.privacy.names) sets how much the word must prove:
`strong_ok` after a name field or a signature, `name_like` at MEDIUM or WEAK strength otherwise. Kiwi's
model loads on first use, never at import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from claimvlm.privacy import namelists as W
from claimvlm.privacy import patterns as P
from claimvlm.privacy.medterms import medical_term

STRONG, MEDIUM, WEAK = 2, 1, 0
Token = tuple[str, str, int, int, bool]  # form, tag, start, length, out-of-vocabulary
_HANGUL = re.compile("[가-힣]")
# A bare final consonant split off a syllable (홍준 -> 홍주 + ㄴ): Kiwi found no reading of the word.
_JAMO = re.compile("[\u1100-\u11ff\u3131-\u318e]")
# Kiwi tags that make a word ordinary vocabulary rather than a name: predicates, endings, adverbs.
_PREDICATE = ("V", "E", "XSV", "XSA", "MAG", "IC")


@lru_cache(maxsize=1)
def _kiwi():  # kiwipiepy is imported lazily, so its type cannot appear here
    from kiwipiepy import Kiwi

    return Kiwi()


@lru_cache(maxsize=200_000)
def analyse(word: str) -> tuple[Token, ...]:
    """Kiwi's analysis of one word; cached because clinical text repeats its vocabulary."""
    return tuple((t.form, str(t.tag), t.start, t.len, bool(t.oov)) for t in _kiwi().tokenize(word))


# --- reading one word ----------------------------------------------------------------------------------
def particles_at(tokens: Sequence[Token]) -> int | None:
    """Where the particles (or a copula and its ending: 김민수|입니다) closing a word begin, or None."""
    k = len(tokens)
    # A particle Kiwi split off a syllable's final consonant (선우훈 -> 후 + ㄴ) is no particle at all.
    # (an ending of two syllables or more may start with a bare consonant after the copula: 최용준+이+ㄴ데;
    # a bare ㄴ alone is no ending there: 화다인 is a name, not 화다+이+ㄴ)
    while k > 1 and tokens[k - 1][2] >= 2 and (_HANGUL.match(tokens[k - 1][0]) is not None or tokens[k - 1][3] >= 2
                                               and tokens[k - 1][1].startswith("E") and tokens[k - 2][1] == "VCP") and (
        tokens[k - 1][1].startswith("J") or tokens[k - 1][1] == "VCP"
        or tokens[k - 1][1].startswith("E") and tokens[k - 2][1] == "VCP"
    ):
        k -= 1
    return tokens[k][2] if k < len(tokens) else None


def stems(run: str, whole_first: bool = False, closed: bool = False) -> list[str]:
    """Where the name in a word may end, likeliest first. Particles no name ends in (는, 를, 에게) are
    always cut. Kiwi's particle cut comes first, except after a strong cue for words of three syllables
    or less, where the last syllable is more often the name's (성명 유연도, 환자명: 김하은), and for a
    word that closes a field (`closed`: 보조의: 독고채나 /), which carries no particle."""
    for j in W.SURE_JOSA:
        if run.endswith(j) and len(run) - len(j) >= 2:
            return [run[: -len(j)]]
    for j in W.COPULA:  # 피보험자는 김춘자며, 계약자는 유말자고: the copula left out after a vowel
        if run.endswith(j) and len(run) - len(j) >= 3 and not run.endswith("라고"):
            return [run[: -len(j)]]
    tokens = analyse(run)
    cut = particles_at(tokens)
    cuts = [run[:cut]] if cut and cut >= 2 else []
    if any(t[4] or t[1] == "NNP" for t in tokens):  # an unknown name glued to a particle (김예준과)
        cuts += [run[: -len(j)] for j in W.JOSA if run.endswith(j) and len(run) - len(j) >= 3 and run[: -len(j)] not in cuts]
    # 김민수님께서: Kiwi keeps the honorific on the name; but after two syllables it is the name's own
    # (김꽃님의, 이별님도: 꽃님, 별님 are given names, and a one-syllable given name is rare)
    for hon in ("님", "씨"):
        cuts = [c[:-1] if c.endswith(hon) and len(c) >= 4 else c for c in cuts]
    if not cut:
        return [run, *cuts]  # Kiwi sees no particle: the whole word first (선우하은, not 선우하+은)
    return [run, *cuts] if whole_first and (closed or len(run) <= 3) else [*cuts, run] if whole_first else cuts


def is_word(word: str) -> bool:
    """Kiwi knows `word` as one dictionary word other than a proper noun (이상, 노인, 조영제)."""
    tokens = analyse(word)
    return len(tokens) == 1 and not tokens[0][4] and tokens[0][1] != "NNP" and tokens[0][3] == len(word)


def ordinary(word: str) -> bool:
    """Kiwi reads `word` as ordinary vocabulary: only known words, none a proper noun, and a noun of two
    or more syllables (소견+상, 불+일치) or a predicate, ending or adverb (동의+함) among them."""
    tokens = analyse(word)
    if any(t[4] or t[1] == "NNP" for t in tokens):
        return False
    return any(t[3] >= 2 and t[1].startswith("N") or t[1].startswith(_PREDICATE) for t in tokens)


def surname_lengths(stem: str, table: frozenset[str] = W.SURNAMES) -> list[int]:
    """Every way `stem` can start with a surname (남궁민 -> 2; 선우 -> 2 or 1 with 우 as a given name)."""
    return [n for n in (2, 1) if stem[:n] in (W.TWO_SURNAMES if n == 2 else table)]


# The cue words themselves: a label or title where a name would be (환자분 보호자께서) names nobody.
ROLE_WORDS = frozenset(
    (P.SURE_LABELS + " " + P.AMBIGUOUS_LABELS + " " + P.SURE_HONORIFICS + " " + P.AMBIGUOUS_HONORIFICS).replace("_", "").split()
)


def vetoed(stem: str) -> bool:
    return (stem in W.NON_NAME or stem in W.NAME_STOP or stem in W.PLACE_STOP or stem in W.DEPARTMENTS
            or stem in ROLE_WORDS or stem.endswith(W.INSTITUTION_SUFFIX) or medical_term(stem) or masked(stem))


def masked(stem: str) -> bool:
    """김모, 박모 씨: a surname and 모 (a certain Kim) is how a name is left out, not a name."""
    return len(stem) in (2, 3) and stem.endswith("모") and len(stem) - 1 in surname_lengths(stem)


def table_name(stem: str, given: frozenset[str], max_given: int, table: frozenset[str] = W.SURNAMES) -> bool:
    """A surname, then 1..max_given syllables from `given`."""
    return any(1 <= len(stem) - s <= max_given and all(ch in given for ch in stem[s:])
               for s in surname_lengths(stem, table))


def strong_ok(stem: str, colon: bool, field: bool = False) -> bool:
    """After a name field or a signature: anything but a non-name filler or ordinary vocabulary. A
    dictionary word that is also a plausible name (정진, 하늘) counts only after a colon. `field`: a name
    field with a colon (성명: 왕웨이), where only a predicate or a filler word (확인+불가) is no name."""
    if field and colon and 2 <= len(stem) <= 5:
        return _field_value_name(stem)
    if not 2 <= len(stem) <= 5 or vetoed(stem):
        return False
    if table_name(stem, W.GIVEN_WIDE, 3) and (colon or not is_word(stem)):
        return True
    if field and colon:
        tokens = analyse(stem)
        return not is_word(stem) and not any(
            t[1].startswith(_PREDICATE) or t[3] >= 2 and vetoed(t[0]) for t in tokens)
    return unknown_word(stem)


def _field_value_name(stem: str) -> bool:
    """The value of a name field (성명: X, 환자명 | X |): a name whatever its syllables (이상, 방문, 마음
    are given names too), unless it fills the field without naming anyone (미상, 본인, 없음), is a
    department or institution, or Kiwi reads a predicate or ending in it (확인함, 모름)."""
    if stem in W.FIELD_FILLERS or stem in ROLE_WORDS or stem in W.DEPARTMENTS or stem.endswith(W.INSTITUTION_SUFFIX):
        return False
    if table_name(stem, W.GIVEN_WIDE, 3):
        return True  # 한결, 하나: a surname and given syllables, whatever Kiwi makes of the word
    tokens = analyse(stem)
    return not any(t[1].startswith(_PREDICATE) or t[3] >= 2 and t[0] in W.FIELD_FILLERS for t in tokens)


def unknown_word(stem: str) -> bool:
    """Kiwi does not read `stem` as ordinary vocabulary, and it does not end like a medical compound
    (편도+염, 관혈+적: Kiwi guesses many such terms as proper or unknown nouns)."""
    return not ordinary(stem) and not (len(stem) >= 3 and stem[-1] in W.TERM_FINAL)


def name_like(stem: str, strength: int = WEAK, split_ok: bool = True, title: bool = False) -> bool:
    """Checks for a name whose cue also starts ordinary phrases (환자 상태, 유방암 환자). Kiwi alone is a
    weak name tagger (it reads 기흉, 신부전 as proper nouns and many real names as common nouns), so
    the syllables decide first and Kiwi's dictionary vetoes known words. `title`: the cue follows the
    word (X 교수, X 환자), where a noun and its suffix (수술+명, 소견+상) never stands."""
    wide = strength >= MEDIUM
    given = W.GIVEN_WIDE if wide else W.GIVEN
    if vetoed(stem) or stem[-1] in W.MEDICAL_SUFFIX:
        return False
    if not table_name(stem, given, 4 if wide else 2, W.SURNAMES if wide else W.COMMON_SURNAMES) and not (
            wide and surname_lengths(stem) and len(stem) - max(surname_lengths(stem)) == 2
            and not is_word(stem) and unknown_word(stem) and not ordinary(stem[max(surname_lengths(stem)):])):
        # After a role or title (보호자 X, X 님) a surname and given syllables no table holds (신온뜰,
        # 용늠범) still make a name when Kiwi knows no word in it.
        return False
    if len(stem) == 3 and stem[-1] in W.NOUN_SUFFIX and is_word(stem[:2]):
        return False  # 노인+성, 진단+비: a dictionary word plus a suffix
    tokens = analyse(stem)
    pairs = [(a, b) for a, b in pairwise(tokens) if a[3] >= 2 and a[1] == "NNG" and not a[4]]
    if not title and any(b[1] in ("XSN", "NNB") for a, b in pairs):
        return False  # 수술+명, 소견+상: Kiwi reads a noun and its suffix or bound noun
    if any(b[1] in ("XSV", "XSA") for a, b in pairs):
        return False  # 동반+하+ㄴ: a noun made a verb (Kiwi reads 탁하+은, 손+하+은 too, so nothing broader)
    if stem[1:] in W.DEPARTMENTS or stem[2:] in W.DEPARTMENTS:
        return False
    if stem[:2] in W.UNMISTAKABLE_SURNAMES and len(stem) >= 3:
        return True
    # Two syllables are too often a word (예후, 전이, 낭+종): want a common surname, and a proper noun, an
    # unknown word (or one Kiwi can only read by splitting a syllable), or 김+결.
    if len(stem) == 2 and not (stem[0] in W.COMMON_SURNAMES and (
            any(t[1] == "NNP" or t[4] or _JAMO.fullmatch(t[0]) for t in tokens) or split_ok and _two_nouns(tokens))):
        return False
    # Four or five syllables: no known word may be inside (안구+건조, 이의+신청), unless Kiwi reads the
    # surname alone and nouns after it (이+하늘빛: a native given name).
    if len(stem) >= 4 and any(not t[4] and t[1] != "NNP" and t[3] >= 2 for t in tokens) and not (
            tokens[0][3] in surname_lengths(stem) and len(tokens) > 1
            and all(t[1] in ("NNG", "NNP") for t in tokens[1:])):
        return False
    if len(stem) - min(surname_lengths(stem)) == 4 and not all(t[4] or t[1] in ("NNG", "NNP") for t in tokens):
        return False  # four given syllables (김온새미로): only an unknown word or nouns
    return not is_word(stem) and tokens[0][1] != "XPN"  # XPN: 고+혈압, a prefix and a word


def _two_nouns(tokens: Sequence[Token]) -> bool:
    """Kiwi split two syllables into two one-syllable nouns (김+결): no word it knows, unlike 고(prefix)+열,
    예(interjection)+후 or 전+이(particle)."""
    return len(tokens) == 2 and all(t[3] == 1 and t[1] in ("NNG", "NNP") for t in tokens)


def accept(stem: str, strength: int, colon: bool = False, whole: bool = True, field: bool = False) -> bool:
    if strength == STRONG:
        return strong_ok(stem, colon, field)
    return name_like(stem, strength, split_ok=whole)


TITLES = tuple(sorted({*P.SURE_HONORIFICS.split(), *P.AMBIGUOUS_HONORIFICS.replace("_", "").split()}, key=len, reverse=True))


# What else closes a name in speech and letters: particles of range and comparison (심서윤부터), the
# vocative (고은아, 시아야), the copula (방도하입니다, 김초롱임), a polite 요 (네 임시후요) and a letter's
# sign-off (박봄숙드림). Longest first: each is tried at the start of what is left.
_CLOSERS = tuple(sorted({*W.JOSA, *W.COPULA, "부터", "까지", "처럼", "보다", "조차", "마저", "아", "야", "요",
                         "입니다", "이에요", "예요", "이세요", "세요", "이라고", "라고", "드림", "올림",
                         "인데", "인데요", "이래", "이래요", "이고요", "고요", "이구요"},
                        key=len, reverse=True))


# Titles that only a person holds (not 환자, 고객, 보호자: also what a text is about).
_PROFESSIONS = frozenset(t for t in TITLES if len(t) >= 2 and t not in W.CLAIM_ROLES
                         and t not in {"환자", "환자분", "환아", "고객", "고객님", "께서", "귀하"})


def only_closers(rest: str) -> bool:
    """``rest`` is titles, particles and the other closers of a name only (님께서, 씨는, 환자의, 에게, 부터,
    입니다)."""
    for title in TITLES:
        if rest.startswith(title):
            if title in _PROFESSIONS:
                return True  # 이다민교수소견: a profession glued on, then the line goes on without spaces
            rest = rest[len(title):]
            break
    while rest:
        closer = next((j for j in _CLOSERS if rest.startswith(j)), None)
        if closer is None:
            return False
        rest = rest[len(closer):]
    return True
