"""Persian text normalization: hazm's Normalizer with protected spans, then half-space restoration.

hazm fixes letters (ي→ی, ك→ک), affixes (`می`, `ها`) and spacing, but damages what it does not
understand: `www. qazvin. ir`, `http: / / …`, `۱۳۹۲ / ۱۲ / ۲۰`, `۱ , ۲۵۰ , ۰۰۰`, `< / a>`, Persian
digits inside Latin words. So every span that holds Latin letters, digits or markup characters
is masked with a placeholder before hazm runs and put back byte for byte afterwards.

This module imports hazm (seconds, and on Python 3.11 hundreds of MB): only the ingest path may
import it. The web app never does; tests/test_import_chain.py proves it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Set as AbstractSet
from functools import lru_cache

from hazm import Normalizer

from .errors import Problem, ReleaseError
from .halfspace import ZWNJ, mi_lookalikes, restore_halfspaces, text_words
from .models import Release

# hazm keeps Private Use Area characters in place and treats them as a word of their own, so one
# such character stands for each protected span; spans are restored in order.
PLACEHOLDER = "\ue000"

# A protected span is a maximal run of characters that are neither white space nor Arabic-script
# letters (nor ZWNJ or Arabic diacritics), and that holds something hazm would damage: a Latin or
# other non-Arabic letter, a digit of any script, markup or e-mail characters, or a character of
# the Private Use Area (where our placeholder lives) that came with the input.
_RUN = re.compile(r"[^\s\u0621-\u063A\u0641-\u065F\u0670-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FF\u200c]+")
_NEEDS_PROTECTION = re.compile(
    r"[^\W\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]"  # non-Arabic letters, ASCII digits
    r"|[\u0660-\u0669\u06F0-\u06F9]"  # Arabic-Indic and Persian digits
    r"|[<>&@/\\=#%_\ue000-\uf8ff]"
)
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_MULTIPLE_SPACES = re.compile(r"[ \t]{2,}")


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    # Defaults only: hazm 0.10 crashes on Normalizer(seperate_mi=False).
    normalizer = Normalizer()
    # hazm splits می off every joined word that spells one of its verb forms: میدانی ("field", the
    # adjective news writes) became می‌دانی ("you know"). The restorer only inserts half-spaces,
    # so the words halfspace_extra.txt keeps whole are taken out of hazm's verb forms instead
    # (hazm 0.12 keeps them in a set `_verbs`, 0.10 in a dict `verbs`).
    verbs = getattr(normalizer, "_verbs", None) or getattr(normalizer, "verbs", None) or {}
    for word in mi_lookalikes():
        form = re.sub("^(ن?می)", f"\\1{ZWNJ}", word)
        if isinstance(verbs, dict):
            verbs.pop(form, None)
        else:
            verbs.discard(form)
    return normalizer


def mask(text: str) -> tuple[str, list[str]]:
    """Replace each protected span by PLACEHOLDER; return the masked text and the spans in order."""
    spans: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if not _NEEDS_PROTECTION.search(match.group()):
            return match.group()
        spans.append(match.group())
        return PLACEHOLDER

    return _RUN.sub(replace, text), spans


def unmask(text: str, spans: list[str]) -> str:
    """Put the spans back in place of the placeholders, in order."""
    pieces = text.split(PLACEHOLDER)
    if len(pieces) != len(spans) + 1:
        # hazm dropped or duplicated a placeholder: a bug to report, never text to publish.
        raise AssertionError(f"normalizer kept {len(pieces) - 1} of {len(spans)} protected spans")
    out = [pieces[0]]
    for span, piece in zip(spans, pieces[1:]):
        out += [span, piece]
    return "".join(out)


def normalize_text(text: str, *, halfspaces: bool = True, vocabulary: AbstractSet[str] = frozenset()) -> str:
    """Normalize one field: hazm on the unprotected parts, dropped half-spaces restored.

    The text is expected to be cleaned already (decode.clean_text). Line breaks are kept.
    `halfspaces=False` skips the restoration (`python -m eval.halfspace.evaluate` measures hazm alone).
    `vocabulary`: the words of the whole release (halfspace.text_words), which the restorer reads
    the field's unknown plurals by.
    """
    if not text.strip():
        return ""
    masked, spans = mask(text)
    normalized = _normalizer().normalize(masked)
    if halfspaces:
        normalized = restore_halfspaces(normalized, vocabulary=vocabulary)
    normalized = _MULTIPLE_SPACES.sub(" ", _TRAILING_SPACE.sub("", normalized))
    return unmask(normalized, spans).strip()


def normalize_release(release: Release, *, json_fields: bool = False) -> Release:
    """A copy of the release with every human-readable text field normalized.

    Only Persian releases go through hazm: it would rewrite Arabic (ي → ی) or Urdu text.
    Paragraphs, kickers and sources left empty by the cleanup are dropped; a headline or lead
    left empty (it held only diacritics, say) is a ReleaseError, naming the JSON field when
    `json_fields`.
    """
    if not is_persian(release.language):
        return release
    # One field may use a plural whose singular only another field writes (اپ‌ها, اپ).
    words = text_words("\n".join((release.kicker or "", release.title, release.lead, *release.body)))

    def field(text: str) -> str:
        return normalize_text(text, vocabulary=words)

    normalized = dataclasses.replace(
        release,
        kicker=field(release.kicker) or None if release.kicker else release.kicker,
        title=field(release.title),
        lead=field(release.lead),
        body=tuple(filter(None, (field(paragraph) for paragraph in release.body))),
        source=field(release.source) or None if release.source else release.source,
        categories=tuple(dict.fromkeys(filter(None, map(normalize_text, release.categories)))),
    )
    problems = [
        Problem(
            f"the {label} holds no text once normalized (only diacritics, tatweel or"
            f" invisible characters); expected a {label}",
            field=name if json_fields else None,
        )
        for name, label in (("title", "headline"), ("lead", "lead"))
        if not getattr(normalized, name)
    ]
    if problems:
        raise ReleaseError(problems)
    return normalized


def is_persian(language: str) -> bool:
    """True for `fa` and its regional tags (`fa-IR`, `fa-AF`)."""
    return language.lower().split("-")[0] == "fa"
