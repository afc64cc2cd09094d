"""The role a condition plays in a claim, inferred from clear cue words (documented in docs/editors-guide.md).

A claim about a condition is *treated* (the condition treated or studied) unless its words say plainly that
the condition is a **harm** (an adverse effect, risk or warning: "a boxed warning for liver injury",
"can worsen asthma", "drug-induced hepatitis") or an **exclusion** (a reason not to treat: "should
not be given to people with kidney failure", "contraindicated in uncontrolled hypertension"). The inference is
deliberately narrow: a cue counts only in the same sentence as the condition's name, a few words from it,
with no word of benefit ("reduced", "improved", "treats" …) or of negation ("no increased risk", "did not
worsen") in the way; every mention of the condition must agree. Anything else stays treated, and the
tag ``<!-- kb: conditions: …; harms: …; exclusions: … -->`` always overrides.
"""

from __future__ import annotations

import re

from ..core.scope import EXCLUSION, HARM, TREATED

# Cue phrases, each a regex; documented word for word in docs/editors-guide.md ("Condition roles").
HARM_CUES = (
    r"risks?\s+of",
    r"(?:adverse|side)[- ](?:effects?|events?|reactions?)",
    r"(?:boxed|black[- ]box)\s+warnings?",
    r"warn(?:s|ed|ings?)?",
    r"worsen(?:s|ed|ing)?",
    r"(?:gets?|got|getting|became|become|made)\s+worse",
    r"exacerbat(?:es?|ed|ing|ion)",
    r"[a-z]+-(?:induced|emergent|related\s+harm)",
    r"(?:can|may|might|could)\s+(?:cause|trigger|precipitate|provoke|induce)",
    r"(?:caused|triggered|precipitated|provoked)",
)
EXCLUSION_CUES = (
    r"contra-?indicat(?:ed|ions?|es)",
    r"(?:should|must)\s+not\s+(?:be\s+)?(?:given|used|offered|prescribed|treated|receive|take)",
    r"(?:not|never)\s+(?:be\s+)?(?:offered|given|prescribed)\s+to",
    r"(?:do|does)\s+not\s+(?:offer|give|prescribe|use)",
    r"(?:not\s+suitable|unsuitable|not\s+appropriate|not\s+recommended)\s+for",
    r"exclud(?:e|es|ed|ing)",
    r"exclusions?",
)
_HARM = re.compile(r"(?i)\b(?:" + "|".join(HARM_CUES) + r")\b")
_EXCLUSION = re.compile(r"(?i)\b(?:" + "|".join(EXCLUSION_CUES) + r")\b")
# A cue preceded by one of these (within two words) is negated or reversed: "reduced the risk of", "not excluded".
_CANCEL = re.compile(
    r"(?i)\b(?:no|not|never|without|reduc\w*|lower\w*|decreas\w*|prevent\w*|fewer|less|at)\W+(?:\w+\W+)?$"
)
# Between a cue and the condition's name: a sentence or clause break, or a word of benefit, ends the cue's reach.
_BREAK = re.compile(
    r"(?i)[.;!?]|\b(?:but|although|however|whereas|while|despite|reduc\w*|improv\w*|reliev\w*|treat\w*|"
    r"lower\w*|decreas\w*|remission|response|benefit\w*|effective|relapse\w*|recurren\w*)\b"
)
# A harm's reach also ends at the population a claim names: in "a warning for liver injury in people with
# asthma" asthma is who was treated, not the harm.
_POPULATION = re.compile(
    r"(?i)\b(?:people|patients|adults|children|adolescents|those|participants|individuals|women|men)\s+(?:\w+\s+)?with\b"
)
BEFORE_WORDS, AFTER_WORDS = 12, 4  # how far a cue may stand before, or after, the condition's name


def _cue_near(pattern: re.Pattern[str], text: str, start: int, end: int, stop: re.Pattern[str] | None = None) -> bool:
    for m in pattern.finditer(text):
        if _CANCEL.search(text[max(0, m.start() - 40) : m.start()]):
            continue
        if m.end() <= start:
            gap = text[m.end() : start]
            limit = BEFORE_WORDS
        elif m.start() >= end:
            gap = text[end : m.start()]
            limit = AFTER_WORDS
        else:
            continue
        if len(re.findall(r"\w+", gap)) <= limit and not _BREAK.search(gap) and not (stop and stop.search(gap)):
            return True
    return False


def mention_role(text: str, start: int, end: int) -> str:
    """The role cue words give the condition named at ``text[start:end]``; an exclusion outranks a harm."""
    if _cue_near(_EXCLUSION, text, start, end):
        return EXCLUSION
    if _cue_near(_HARM, text, start, end, _POPULATION):
        return HARM
    return TREATED


def infer(text: str, spans) -> dict[str, str]:
    """Each named condition's role: harm or exclusion only when every mention of it says so."""
    seen: dict[str, set[str]] = {}
    for cid, start, end in spans:
        seen.setdefault(cid, set()).add(mention_role(text, start, end))
    return {cid: (next(iter(r)) if len(r) == 1 else TREATED) for cid, r in seen.items()}
