"""Languages new text can be written in."""

from __future__ import annotations

# The languages new text can be written in; the dashboard offers these, as the shell page tells it.
OFFERED_LANGUAGES = ("en", "ar", "fr", "de", "es", "it", "pt-BR", "nl", "tr")


def offered_language(locale: str) -> str | None:
    """The offered language a platform locale ("ar", "fr-FR", "pt_BR") stands for, if any."""
    code = locale.replace("_", "-")
    for offered in OFFERED_LANGUAGES:
        if code.lower() == offered.lower():
            return offered
    primary = code.split("-", 1)[0].lower()
    return next((o for o in OFFERED_LANGUAGES if o.split("-", 1)[0].lower() == primary), None)


def parse_language(code: object) -> str | None:
    """The offered language `code` names exactly (any letter case), or None: a code the app does
    not offer is refused rather than sent to the LLM and charged."""
    if not isinstance(code, str):
        return None
    return next((o for o in OFFERED_LANGUAGES if code.lower() == o.lower()), None)
