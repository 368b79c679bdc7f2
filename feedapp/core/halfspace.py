"""Re-insert the zero-width non-joiners (ZWNJ, "half-spaces") that old systems dropped.

Runs after hazm's ``Normalizer().normalize()``, which restores some half-spaces (``می‌``, some
``‌ها``) but leaves ``سازمانها``, ``بینالملل``, ``مهمترین`` broken. The only public entry point the
pipeline needs is :func:`restore_halfspaces`.

How a word is restored (see :func:`restore_word`), first match wins:

1. words style keeps joined (frequent joined spellings, hazm stopwords, the ``keep`` lines of
   ``halfspace_extra.txt``) stay as they are: ``تنها``, ``بیشتر``, ``آنها``, ``فیلتر``; the names
   of ``halfspace_names.txt`` keep their listed spelling (``خرمشهر``, ``غلامرضا``; ``خرم‌آباد``), and
   so does a name followed by a joined ending (``تهرانی``, ``رضایی``, ``احمدیان``), whatever hazm's
   lexicon spells;
2. a word hazm's lexicon (or the extra file, or hazm's verb roots conjugated with ``می``/``نمی``)
   spells with a half-space is spelled that way: ``سهشنبه`` -> ``سه‌شنبه``;
3. a known stem plus a suffix (plural ``ها``…, ``تر``/``ترین`` after adjectives, ``ای``/``اند``/
   ezafe ``ی``/``است``… after a silent final ``ه``) or a productive second element (``گذاری``,
   ``رسانی``, ``پور``…) is split; when two readings compete (``نامهای``: ``نام‌های`` or
   ``نامه‌ای``) the one real text writes far more often wins (``halfspace_usage.txt``), then the one
   published news writes (``halfspace_news.txt``), then the far more frequent stem, else the word
   is left for the context step;
4. a joined form no rule knows takes the half-spaced spelling real text uses (``بهعنوان``), or,
   when wordfreq's list has no spelling of it, the one published news uses
   (``halfspace_news.txt``: ``ادارهکل`` -> ``اداره‌کل``), else the one of shekar's vocabulary
   (``halfspace_vocab.txt``: ``رایدهندگان`` -> ``رای‌دهندگان``);
5. anything else is left alone.

Then the context step (:func:`restore_halfspaces`): a word whose readings are a plural with its
ezafe and ``ه‌ای`` is ``ه‌ای`` when grammar leaves no room for the plural (a full stop, ``را``,
``که``, a preposition or a verb after it; a number before it); otherwise a next word published
news writes clearly more after one of the two shapes (``halfspace_context.txt``: ``حرف‌های
زیادی``, ``نقش‌های اصلی``) is weighed against how often real text writes each reading.

A half-space already in the text before a suffix (``آبمیوه‌های``, the writer's or hazm's) shows how
the word before it is spelled: nothing is inserted inside that word (not ``آب‌میوه‌های``).

A ZWNJ is only ever inserted after a letter that joins to the next one: after ``ا د ذ ر ز ژ و آ``
it would not change the word's shape, so style leaves it out.

Importing this module is cheap. The lexicon is built from hazm's lists once, compiled into a
small cached file (:mod:`feedapp.core.lexicon_store`), and read from that file by every later
process, which never imports hazm for it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path

ZWNJ = "\u200c"

# Letters that never connect to the letter after them: a ZWNJ after them is invisible.
NON_JOINING = frozenset("اآأإٱدذرزژوؤةء")

# Persian/Arabic letters hazm leaves in normalized text. ZWNJ joins letters into one token;
# U+E000 (protected span), digits, punctuation, Latin and whitespace all end a token.
_LETTER = "\u0621-\u063a\u0641-\u064a\u0671\u067e\u0686\u0698\u06a9\u06af\u06c0\u06cc"
_TOKEN = re.compile(f"[{_LETTER}]+(?:{ZWNJ}[{_LETTER}]+)*")

EXTRA_WORDS_FILE = Path(__file__).with_name("halfspace_extra.txt")
NAMES_FILE = Path(__file__).with_name("halfspace_names.txt")
USAGE_FILE = Path(__file__).with_name("halfspace_usage.txt")
NEWS_FILE = Path(__file__).with_name("halfspace_news.txt")
CONTEXT_FILE = Path(__file__).with_name("halfspace_context.txt")
VOCAB_FILE = Path(__file__).with_name("halfspace_vocab.txt")

# Lexicon entries at least this frequent are trusted as whole words. hazm's list also holds
# ~158,000 entries with count 0: real words (عمومی, تیم, فیلتر) mixed with joined misspellings
# (کتابها, مهمترین), so a count-0 entry never blocks a split, it only serves as a stem.
WHOLE_MIN_COUNT = 1
# A half-spaced spelling replaces a frequent joined one only when it is at least this much as
# frequent (پنج‌شنبه beats پنجشنبه; کم‌تر loses to کمتر).
SPELLING_RATIO = 1.0
# Two competing splits: the more frequent stem wins only when this many times as frequent.
READING_RATIO = 20.0
# Stems shorter than this are too ambiguous to split off (به, تن).
MIN_STEM = 2
# Count-0 entries are noisy; as stems they must be at least this long (تیم, عمومی).
MIN_UNCOUNTED_STEM = 3
# Words taking a WORD_PREFIXES prefix must be at least this long (short ones make loanwords).
MIN_PREFIXED_WORD = 5
# Real-text usage (halfspace_usage.txt) picks one of competing readings when that reading is written
# at least this many times as often; frequency classes are centibels, so 30 is about 2x.
USAGE_MARGIN = 30
# A joined word stays joined against every split reading only when real text writes it this much
# more often: 100 is 10x, which keeps برندهای ("brands", not برنده‌ای) but lets مهم‌تر, بزرگ‌ترین
# and سال‌هاست be spelled the Academy's way although the web writes them joined 2-6x as often.
JOINED_MARGIN = 100
# The class given to a spelling the usage file lacks: rarer than its rarest entry (600).
UNUSED_CLASS = 650

# هائی: the older spelling of هایی with hamza, still typed (پیام‌هائی).
PLURAL_SUFFIXES = ("ها", "های", "هایی", "هائی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان", "هاست")
COMPARATIVE_SUFFIXES = ("تر", "ترین", "تری")  # تری: comparative + indefinite (مهم‌تری)
# Clitics and copulas written apart only after a final ه (نامه‌ای, شده‌اند); after other letters
# they are either joined (دوستانم) or the letters belong to the word (توجهات is not توجه‌ات).
# ی: the ezafe (هفته‌ی گذشته); است: the copula run into its word (داشته‌است, خانه‌است).
AFTER_HEH_SUFFIXES = ("ای", "ام", "اش", "ایم", "اید", "اند", "ی", "است")
# The same clitics after a final ی, where the Academy writes them apart too (اجتماعی‌اش, انرژی‌ای,
# مدعی‌اند), unless the letters are a word ending in یا with its own ending (دنیای, دنیام).
AFTER_YEH_SUFFIXES = ("ای", "ام", "اش", "ایم", "اید", "اند")
# The indefinite ای and the possessive اش follow a vowel only: after a sounded ه they are ی and ش,
# joined (کوهی, کارگاهش), so a joined کوهای is no کوه‌ای. (ام, اند, است are also copulas, which
# may stand apart after a consonant: آگاه‌اند.)
AFTER_VOWEL_ONLY = ("ای", "اش")
# Plural possessives news writes apart after a silent ه (خانواده‌تان, ذخیره‌مان) and after a ی that
# follows a consonant (اصلی‌شان, استراتژی‌شان: the dev sets 5 times, never joined), but joined
# after a vowel's ی (برایشان, صدایشان) and after other letters (دستمان, هویتشان).
PLURAL_POSSESSIVES = ("شان", "مان", "تان")
# Second elements of compounds that are written apart from a known first element.
COMPOUND_HEADS = (
    "گذاری",
    "گذار",
    "گذاران",
    "رسانی",
    "رسان",
    "رسانان",
    "سازی",
    "سازان",
    "کننده",
    "کنندگان",
    "گیری",
    "گیران",
    "پذیر",
    "پذیری",
    "آمیز",
    "شناسی",
    "شناسان",
    "برداری",
    "برداران",
    "بندی",
    "زدگی",
    "زدگان",
    "زده",
    "دیدگان",
    "دیده",
    "شدگان",
    "نشانی",
    "سوزی",
    "فروشی",
    "فروشان",
    "سواری",
    "دهی",
    "زدایی",
    "پژوهی",
    "پژوهان",
    "مدت",  # طولانی‌مدت, کوتاه‌مدت (news writes بلندمدت joined: hazm lists it whole)
    "محور",  # عدالت‌محور, پروژه‌محور
    "ساز",  # سرنوشت‌ساز, زمینه‌ساز
    "زایی",  # اشتغال‌زایی, بیماری‌زایی
    "باختگان",  # جان‌باختگان, مال‌باختگان
    "نشین",  # صهیونیست‌نشین, عرب‌نشین
    "تبار",  # ایرانی‌تبار
    "کاوی",  # داده‌کاوی
    "بر",  # ماهواره‌بر, هزینه‌بر
    # Surname endings after a known word: زارع‌پور, نعمت‌زاده, رحیمی‌نژاد (a listed name stays
    # whole); the others only after a ی (SURNAMES_AFTER_YEH).
    "پور",
    "زاده",
    "نژاد",
    "فر",
    "فرد",
    "راد",
    "نیا",
)
# Surname endings written apart only after a first part in ی (اسماعیلی‌فر, دهقانی‌نیا, انصاری‌فرد),
# where the ی would join them; after other letters news writes them joined (همایونفر, معیدفر).
SURNAMES_AFTER_YEH = ("فر", "فرد", "راد", "نیا")
# The head بر ("carrying, taking") follows a first part at least this long: shorter ones make
# words of their own (فیبر, منبر, اکبر).
MIN_BAR_STEM = 4
# A first part in ی shorter than this (کی, سی) makes other words: کیفر, ایراد.
MIN_YEH_SURNAME_STEM = 4
# شان/مان/تان split off a stem at least this long (مهمان is no مه + مان).
MIN_POSSESSIVE_STEM = 3
# A word no list knows keeps a plural or a clitic apart only after a stem at least this long
# (shorter ones are too often a word of their own: تنها, بها).
MIN_UNKNOWN_STEM = 3
# Prefixes written apart from a well-attested adjective: کم‌برخوردار, نیمه‌سنگین.
WORD_PREFIXES = ("کم", "نیمه")
SPACED_SUFFIXES = PLURAL_SUFFIXES + AFTER_HEH_SUFFIXES + PLURAL_POSSESSIVES + COMPARATIVE_SUFFIXES + COMPOUND_HEADS
_PLURALS_LONGEST_FIRST = tuple(sorted(PLURAL_SUFFIXES, key=len, reverse=True))
# Suffixes written joined; they matter only to carry a stem's own half-space (دانش‌آموزان).
JOINED_SUFFIXES = ("ان", "ی", "یان")
# Endings that make a joined word of a name: تهرانی, رضایی (after a vowel), احمدیان, کرمانیان.
NAME_SUFFIXES = ("ی", "یی", "ان", "یان")
# Suffixes after which a half-space already in the text marks the end of a word as its writer spells
# it: the inflections, not the compound heads (hazm writes انجام‌شده for انجام شده: no such mark).
INFLECTION_SUFFIXES = frozenset(PLURAL_SUFFIXES + AFTER_HEH_SUFFIXES + COMPARATIVE_SUFFIXES)
# Preverbs ending in a non-joining letter, joined to a following می‌ form.
VERB_PREFIXES = ("در", "بر", "باز", "فرا", "فرو", "وا")

# Words whose final ه is sounded, not a vowel mark: a ی after them is joined (توجهی, "any attention"),
# and so after a compound ending in one (قابل‌توجهی). Matched as word endings, so none may end a word
# whose ه is silent (ابله would take مقابله, وجیه کمبوجیه, نبیه عنبیه).
_SOUNDED_HEH = tuple(
    "توجه فقه شبه تنبه تشابه تشبه منزه مکروه وجه اکراه مواجه موجه زره"
    " تنبیه شبیه توجیه تنزیه فقیه سفیه کریه فربه".split()
)


# Words in وه whose و is a consonant and whose ه only marks a vowel (جلوه, jelve; against گروه,
# goruh): real text writes them جلوه‌ای, شیوه‌ی, نحوه‌ی (halfspace_usage, halfspace_news, the news
# the lists are counted on). After ا the و is always a consonant: ساوه, کاوه, علاوه.
_SILENT_AFTER_VAV = tuple("اوه جلوه شیوه میوه نحوه قهوه رشوه قوه نوه بیوه جیوه".split())


def _silent_heh(word: str) -> bool:
    """True when ``word`` ends in a ه that only marks a vowel (هفته), after which the ezafe ی is
    written apart (هفته‌ی); after اه, وه and in الله the ه is a consonant (راهی, گروهی, شکراللهی), as in
    :data:`_SOUNDED_HEH`, and in ره ("path", short for راه: رهی, not ره‌ی); but not in the words of
    :data:`_SILENT_AFTER_VAV` (جلوه‌ای)."""
    if word.endswith(_SILENT_AFTER_VAV):
        return True
    return word.endswith("ه") and word != "ره" and not word.endswith(("اه", "وه", "لله", *_SOUNDED_HEH))


# Forms of "to be" hazm lists as words: a verb takes no plural (هست‌هایش is no Persian).
_COPULAS = frozenset(("است", "هست", "نیست"))

# Present-tense person endings (the third singular is د) and past-tense ones (bare root).
_PRESENT_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")
_PAST_ENDINGS = ("م", "ی", "", "یم", "ید", "ند")


@dataclass(frozen=True)
class HalfspaceLexicon:
    """Everything :func:`restore_word` consults, keyed by spelling without ZWNJ.

    ``whole``: joined spellings never to split. ``spelled``: ZWNJ-free key -> correct spelling.
    ``counts``: corpus frequency of a (joined or half-spaced) entry, 0 when hazm lists it
    uncounted. ``adjectives``: entries hazm tags AJ (the only stems ``تر``/``ترین`` attach to).
    ``participles``: past participles (``کرده``), after which ``ایم``/``اند`` is the perfect tense.
    ``names``: proper names (``halfspace_names.txt``, ZWNJ-free), each in ``whole`` or, when listed
    with its half-space, in ``spelled``; their derivatives with :data:`NAME_SUFFIXES` are joined to
    the name as it is spelled. ``usage``: spelling -> frequency class in real text
    (``halfspace_usage.txt``, :func:`read_usage`), smaller is more frequent. ``published``: ZWNJ-free
    key -> the half-spaced spelling published news gives it (``halfspace_news.txt``,
    :func:`read_published`), or else shekar's vocabulary (``halfspace_vocab.txt``), for joined forms
    nothing else decides and to break a tie between two readings. ``followers``: ZWNJ-free word ->
    natural log of how much likelier it follows a plural ``X‌های`` than an indefinite ``Xه‌ای`` in
    published news (``halfspace_context.txt``, :func:`read_followers`), the evidence of the word
    after a homograph.

    :func:`build_lexicon` fills it with frozensets and dicts; :func:`default_lexicon` with views on
    a compiled trie that answer the same (lexicon_store), hence the abstract field types.
    """

    whole: AbstractSet[str]
    spelled: Mapping[str, str]
    counts: Mapping[str, int]
    adjectives: AbstractSet[str]
    participles: AbstractSet[str] = frozenset()
    names: AbstractSet[str] = frozenset()
    usage: Mapping[str, int] = field(default_factory=dict)
    published: Mapping[str, str] = field(default_factory=dict)
    followers: Mapping[str, float] = field(default_factory=dict)


def build_lexicon(
    words: Iterable[tuple[str, int, tuple[str, ...]]],
    stopwords: Iterable[str] = (),
    verb_forms: Iterable[str] = (),
    extra_lines: Iterable[str] = (),
    participles: Iterable[str] = (),
    names: Iterable[str] = (),
    usage_lines: Iterable[str] = (),
) -> HalfspaceLexicon:
    """Build a lexicon from hazm-shaped data; separate from hazm so tests can feed small lists.

    ``words`` is ``hazm.utils.words_list()``; ``verb_forms`` are correct spellings such as
    ``می‌شود``; ``extra_lines`` are lines of ``halfspace_extra.txt``; ``participles`` are joined
    words such as ``گذاشته``, known words hazm lists without a count (``گذاشته‌اند`` needs them);
    ``names`` are lines of ``halfspace_names.txt``: applied last, so that no other list (not even
    the extra file) can spell a listed name otherwise than it is listed. ``usage_lines`` are lines
    of ``halfspace_usage.txt``.
    """
    counts: dict[str, int] = {}
    adjectives: set[str] = set()
    spelled_count: dict[str, tuple[int, str]] = {}
    for raw_word, count, tags in words:
        # Some entries carry a stray ZWNJ at an end (جوان‌) or doubled: spell them cleanly.
        word = ZWNJ.join(part for part in raw_word.split(ZWNJ) if part)
        counts[word] = max(count, counts.get(word, 0))
        if "AJ" in tags:
            adjectives.add(word)
        if ZWNJ in word:
            key = word.replace(ZWNJ, "")
            if key not in spelled_count or count > spelled_count[key][0]:
                spelled_count[key] = (count, word)

    whole = {word for word, count in counts.items() if ZWNJ not in word and count >= WHOLE_MIN_COUNT}
    spelled: dict[str, str] = {}
    for key, (count, word) in spelled_count.items():
        if key in whole and count < SPELLING_RATIO * counts[key]:
            continue  # the joined spelling is the usual one (کمتر, همچنین)
        whole.discard(key)
        spelled[key] = word

    for form in verb_forms:
        key = form.replace(ZWNJ, "")
        # A conjugated verb beats a count-0 joined entry (میشود); a frequent word does not.
        if key not in whole and key not in spelled:
            spelled[key] = form

    participles = frozenset(participles)
    for word in participles:
        if word not in spelled:
            whole.add(word)

    # hazm's stopwords hold both سالهای and سال‌های: the half-spaced one marks the joined as a slip.
    stopwords = list(stopwords)
    spaced_stopwords = {s.replace(ZWNJ, "") for s in stopwords if ZWNJ in s}
    for word in stopwords:
        if ZWNJ not in word and word not in spaced_stopwords:
            whole.add(word)
            spelled.pop(word, None)

    _impose(_extra_words(extra_lines), whole, spelled)
    # hazm spells some names apart (خرم‌شهر, غلام‌رضا); news writes them joined. A name listed with
    # its half-space (خرم‌آباد) is one the counted news never writes joined: it is spelled so.
    listed = list(_extra_words(names))
    _impose(listed, whole, spelled)
    name_set = frozenset(word.replace(ZWNJ, "") for word in listed)

    return HalfspaceLexicon(
        frozenset(whole), spelled, counts, frozenset(adjectives), participles, name_set, read_usage(usage_lines)
    )


def _impose(words: Iterable[str], whole: set[str], spelled: dict[str, str]) -> None:
    """Make each of ``words`` the spelling of its letters, whatever came before: one with a ZWNJ
    is spelled so, a joined one is kept whole."""
    for word in words:
        key = word.replace(ZWNJ, "")
        if ZWNJ in word:
            spelled[key] = word
            whole.discard(key)
        else:
            whole.add(word)
            spelled.pop(word, None)


def read_usage(lines: Iterable[str]) -> dict[str, int]:
    """``SPELLING<TAB>CLASS`` lines (``#`` comments) -> spelling -> frequency class."""
    usage = {}
    for line in lines:
        if line and not line.startswith("#"):
            spelling, _, frequency_class = line.partition("\t")
            usage[spelling] = int(frequency_class)
    return usage


def read_published(lines: Iterable[str]) -> dict[str, str]:
    """``SPELLING<TAB>WITH<TAB>JOINED`` lines (``#`` comments) -> ZWNJ-free key -> spelling."""
    return {
        spelling.replace(ZWNJ, ""): spelling
        for spelling in (line.partition("\t")[0] for line in lines if line and not line.startswith("#"))
    }


def read_followers(lines: Iterable[str]) -> dict[str, float]:
    """``WORD<TAB>AFTER_PLURAL<TAB>AFTER_INDEFINITE<TAB>LOG_RATIO`` lines (``#`` comments) -> word -> ratio."""
    return {
        word: float(fields[-1])
        for word, *fields in (line.split("\t") for line in lines if line and not line.startswith("#"))
    }


@functools.lru_cache(maxsize=1)
def default_followers() -> Mapping[str, float]:
    """The shipped followers file, read once per process."""
    return read_followers(CONTEXT_FILE.read_text(encoding="utf-8").splitlines())


@functools.lru_cache(maxsize=1)
def default_published() -> Mapping[str, str]:
    """The shipped news spellings, then shekar's vocabulary's for what news lacks; read once per process."""
    published = read_published(NEWS_FILE.read_text(encoding="utf-8").splitlines())
    for key, spelling in read_published(VOCAB_FILE.read_text(encoding="utf-8").splitlines()).items():
        published.setdefault(key, spelling)  # news first: shekar's counts are not of news
    return published


@functools.lru_cache(maxsize=1)
def default_usage() -> Mapping[str, int]:
    """The shipped usage file, read once per process (9,000 lines: a few milliseconds)."""
    return read_usage(USAGE_FILE.read_text(encoding="utf-8").splitlines())


def mi_lookalikes() -> frozenset[str]:
    """Words ``halfspace_extra.txt`` keeps whole that open with می/نمی (``میدانی``): not verbs."""
    lines = EXTRA_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(word for word in _extra_words(lines) if ZWNJ not in word and word.startswith(("می", "نمی")))


def _extra_words(lines: Iterable[str]) -> Iterable[str]:
    """Words of the extra file: one per line, ``#`` starts a comment, blank lines ignored."""
    for line in lines:
        word = line.split("#", 1)[0].strip()
        if word:
            yield word


def conjugate_mi_forms(roots: Iterable[str]) -> list[str]:
    """Spell ``می``/``نمی`` forms of ``past#present`` roots (``hazm.utils.verbs_list()``).

    Only the simple continuous tenses: the compound tenses add separate words, which are
    tokens of their own here.
    """
    forms: list[str] = []
    for root in roots:
        past, _, present = root.partition("#")
        for prefix in ("می", "نمی"):
            if past:
                forms.extend(f"{prefix}{ZWNJ}{past}{ending}" for ending in _PAST_ENDINGS)
            if present:
                forms.extend(f"{prefix}{ZWNJ}{present}{ending}" for ending in _PRESENT_ENDINGS)
    return forms


def past_participles(roots: Iterable[str]) -> list[str]:
    """``گذاشته`` and ``نگذاشته`` for each ``past#present`` root, the stems of ``گذاشته‌اند``."""
    participles = []
    for root in roots:
        past = root.partition("#")[0]
        if past:
            participles += [f"{past}ه", f"ن{past}ه"]
    return participles


def hazm_lexicon() -> HalfspaceLexicon:
    """Build the lexicon from hazm's lexicon, stopwords and verb roots plus ``halfspace_extra.txt``.

    Imports hazm and reads its whole word list: about a second and 100 MB, which is why only the
    compiled cache's build (and the test proving the cache answers the same) calls it.
    """
    from hazm.utils import stopwords_list, verbs_list, words_list

    extra = EXTRA_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    names = NAMES_FILE.read_text(encoding="utf-8").splitlines()
    roots = verbs_list()
    lexicon = build_lexicon(
        words_list(), stopwords_list(), conjugate_mi_forms(roots), extra, past_participles(roots), names
    )
    return _with_real_text(lexicon)


@functools.lru_cache(maxsize=1)
def default_lexicon() -> HalfspaceLexicon:
    """:func:`hazm_lexicon`, read from its compiled cache (built there on first use), once per process."""
    from . import lexicon_store  # imports marisa_trie: only when a lexicon is needed

    return _with_real_text(lexicon_store.load_or_build(hazm_lexicon))


def _with_real_text(lexicon: HalfspaceLexicon) -> HalfspaceLexicon:
    """``lexicon`` with the shipped usage, news and vocabulary spellings and context words: read
    beside the compiled trie, not into it (small, and not hazm's)."""
    return replace(lexicon, usage=default_usage(), published=default_published(), followers=default_followers())


def restore_halfspaces(
    text: str, lexicon: HalfspaceLexicon | None = None, *, vocabulary: AbstractSet[str] = frozenset()
) -> str:
    """Return text with dropped ZWNJs re-inserted between a known stem and its affix.

    ``text`` must already be hazm-normalized. Only ZWNJs are inserted, never anything removed
    or moved, and only inside runs of Persian letters; U+E000 and every other non-letter ends a
    run, so nothing is ever joined across it. Idempotent, and linear in the length of ``text``.
    ``vocabulary``: words of the rest of the release (:func:`text_words`); an unknown plural whose
    singular stands in the text or there gets its half-space.
    """
    if not text:
        return text
    lexicon = lexicon or default_lexicon()
    competing = _Restorer.for_lexicon(lexicon).competing
    tokens = list(_TOKEN.finditer(text))
    # Every word first, then the context step reads its neighbours as restored (a میشود after it is
    # then the verb می‌شود, as it will be on a second run: the output stays idempotent).
    words = [_restore_token(match.group(), lexicon) for match in tokens]
    _split_plurals_of_words_in_text(tokens, words, vocabulary, _Restorer.for_lexicon(lexicon))
    pieces = []
    end = 0
    for index, match in enumerate(tokens):
        readings = competing.get(match.group())  # a joined word with more than one reading
        if readings is not None:
            words[index] = _in_context(readings, words[index], lexicon, _Neighbours(text, tokens, words, index))
        pieces += [text[end : match.start()], words[index]]
        end = match.end()
    pieces.append(text[end:])
    return "".join(pieces)


def text_words(text: str) -> frozenset[str]:
    """The letter runs of ``text`` (Arabic ي/ك read as Persian ی/ک, as hazm writes them)."""
    return frozenset(_TOKEN.findall(text.translate(_PERSIAN_LETTERS)))


_PERSIAN_LETTERS = str.maketrans("يك", "یک")


def _split_plurals_of_words_in_text(
    tokens: list[re.Match[str]], words: list[str], vocabulary: AbstractSet[str], restorer: _Restorer
) -> None:
    """Give an unknown plural its half-space when its stem is also written as a word of its own.

    اپ‌ها, اپ‌های: a loanword no list knows, too short for its plural to be read from its shape
    (:meth:`_Restorer._unknown_inflection` needs 3 letters), whose singular the same release
    writes (اپ). A word the lexicon knows in any way is never touched here.
    """
    in_text: set[str] | None = None  # built on the first candidate: most texts have none
    for index, match in enumerate(tokens):
        key = match.group()
        if words[index] != key or ZWNJ in key or restorer.analyse(key) is not None:
            continue
        for suffix in ("های", "ها"):
            stem = key[: -len(suffix)]
            if not key.endswith(suffix) or len(stem) < MIN_STEM or stem[-1] in NON_JOINING:
                continue
            if in_text is None:
                in_text = {token.group() for token in tokens}
            if stem in in_text or stem in vocabulary:
                words[index] = f"{stem}{ZWNJ}{suffix}"
                break


@dataclass(frozen=True)
class _Neighbours:
    """What surrounds ``tokens[index]`` of ``text``: the gaps around it and the restored ``words``."""

    text: str
    tokens: list[re.Match[str]]
    words: list[str]
    index: int

    def ends_phrase(self) -> bool:
        """True when the phrase ends after the word: closing punctuation, the end of a sentence, or a
        word that no ezafe governs. A protected span (number, Latin) next is taken as a complement."""
        following = self.index + 1 if self.index + 1 < len(self.tokens) else None
        stop = self.tokens[following].start() if following is not None else len(self.text)
        gap = self.text[self.tokens[self.index].end() : stop]
        if _CLOSING.search(gap):
            return True
        if gap.strip():
            return False  # a number, a Latin word or an opening quote: not evidence either way
        if following is None:
            return self.index > 0  # a text of one word (a category, say) is no sentence
        word = self.words[following]
        return word in _NO_COMPLEMENT or word.startswith(_VERB_PREFIXES)

    def next_word(self) -> str | None:
        """The restored word right after this one, None when anything but a space stands between."""
        following = self.index + 1
        if following >= len(self.tokens):
            return None
        gap = self.text[self.tokens[self.index].end() : self.tokens[following].start()]
        return self.words[following] if not gap.strip() else None

    def counted(self) -> bool:
        """True when a number (a protected span) or a quantifier stands right before the word."""
        start = self.tokens[self.index - 1].end() if self.index else 0
        gap = self.text[start : self.tokens[self.index].start()].strip()
        if gap:
            return gap == _PROTECTED
        return self.index > 0 and self.words[self.index - 1] in _QUANTIFIERS


def _in_context(readings: AbstractSet[str], chosen: str, lexicon: HalfspaceLexicon, around: _Neighbours) -> str:
    """The reading of a joined homograph that its neighbours require, else ``chosen``.

    One ambiguity is decided here, the commonest in news (``نامهای``, ``زمینهای``, ``نشستهای``): a
    plural with its ezafe (``نام‌های``) must be followed by the noun, adjective or pronoun it
    governs, so when the sentence ends there, or a preposition, conjunction, ``را``, ``که`` or a verb
    comes next, or a number or quantifier (``یک``, ``هر``) comes before (Persian counts a singular),
    the word is ``نامه‌ای`` ("a letter"). Past these rules the next word is evidence, not proof
    (``نامه‌ای مهم`` is fine Persian): when published news shows it clearly after one shape
    (``lexicon.followers``: ``حرف‌های زیادی``, ``نقش‌های اصلی``), it is weighed against how much
    more often real text writes either reading (:func:`_odds_of_plural`); otherwise the word keeps
    the reading usage and frequency gave it.
    """
    indefinite = next((reading for reading in readings if reading.endswith(_INDEFINITE_AFTER_HEH)), None)
    plural = next((reading for reading in readings - {indefinite} if reading.endswith("های")), None)
    if indefinite is None or plural is None:
        return chosen
    following = around.next_word()
    if chosen in lexicon.usage and indefinite not in lexicon.usage and not _zwnj_positions(chosen):
        # روزهای ("days of", joined after the non-joining ز) before a full stop is a writer's slip
        # sooner than روزه‌ای ("a fast"), which real text lacks: no half-space is forced in.
        return chosen
    if around.ends_phrase() or around.counted():
        return indefinite
    evidence = lexicon.followers.get(following.replace(ZWNJ, "")) if following is not None else None
    if evidence is None or not readings & lexicon.usage.keys() or not _zwnj_positions(plural):
        # No odds to weigh the next word against: neither reading is written in real text
        # (سامانهای: سامانه‌ای ملی, not سامان‌های ملی), or the plural, joined after a letter that does
        # not join (چهر + های), is spelled like the joined form, whose usage counts every reading.
        return chosen
    stem = plural.removesuffix("های").removesuffix(ZWNJ)
    if plural not in lexicon.usage and lexicon.counts.get(stem, 0) < 1 and stem not in lexicon.whole:
        # رایانهای مختلف: no next word makes a plural of رایان, a fragment hazm lists uncounted and
        # real text never writes with های, against a رایانه‌ای real text writes.
        return chosen
    odds = _odds_of_plural(plural, indefinite, lexicon.usage) + evidence
    return plural if odds > 0 else indefinite if odds < 0 else chosen


def _odds_of_plural(plural: str, indefinite: str, usage: Mapping[str, int]) -> float:
    """Natural log of how much more often real text writes ``plural`` than ``indefinite`` (a
    frequency class is 100 × the negative base-10 log of a frequency: halfspace_usage.txt)."""
    return (usage.get(indefinite, UNUSED_CLASS) - usage.get(plural, UNUSED_CLASS)) / 100 * math.log(10)


_INDEFINITE_AFTER_HEH = f"ه{ZWNJ}ای"
# Words that cannot follow a plural's ezafe: prepositions, conjunctions, را, copulas and auxiliaries.
_NO_COMPLEMENT = frozenset(
    "را که و یا به از در با برای تا بر نیز هم است بود شد شده شود باشد کرد کرده کند کنند دارد داشت هست"
    " نیست بودند شدند".split()
)
# Verbs: a می‌/نمی‌ form (hazm writes the half-space) cannot be an ezafe's complement either.
_VERB_PREFIXES = (f"می{ZWNJ}", f"نمی{ZWNJ}")
# What a singular counts after: Persian writes یک نامه‌ای, هر نامه‌ای, never a plural.
_QUANTIFIERS = frozenset("یک هر چه چنین چنان هیچ".split())
# Punctuation that closes a phrase (opening quotes and brackets do not: «نشست‌های «...»» is Persian).
_CLOSING = re.compile(r"[.،,؛;:!?؟)\]»…\n]")


# normalize.PLACEHOLDER: the character standing for a protected span (numbers, Latin) in the text.
_PROTECTED = "\ue000"


def restore_word(word: str, lexicon: HalfspaceLexicon | None = None) -> str:
    """Spell one word (no ZWNJ) with its half-spaces; unknown or ambiguous words come back as is."""
    lexicon = lexicon or default_lexicon()
    return _Restorer.for_lexicon(lexicon).restore(word)


def _restore_token(token: str, lexicon: HalfspaceLexicon) -> str:
    """Restore one letter run, keeping every ZWNJ the writer already put in."""
    restorer = _Restorer.for_lexicon(lexicon)
    parts = token.split(ZWNJ)
    if any(part in INFLECTION_SUFFIXES for part in parts[1:]):
        # آبمیوه‌های: the half-space before the suffix shows the word as its writer (or hazm) spells
        # it; splitting that word too would give آب‌میوه‌های. Words before such a suffix are kept,
        # unless real text clearly writes them apart (شیوه‌نامه‌های, not شیوهنامه‌های).
        kept = {index - 1 for index, part in enumerate(parts) if index and part in INFLECTION_SUFFIXES}
        return ZWNJ.join(
            restorer.usual_halfspaced(part)
            if index in kept
            else _insert_zwnj(part, _zwnj_positions(restorer.restore(part)))
            for index, part in enumerate(parts)
        )
    key = token.replace(ZWNJ, "")
    restored = _zwnj_positions(restorer.restore(key))
    if _zwnj_positions(token) <= restored:
        # Keep every ZWNJ already there, even an invisible one after a non-joining letter.
        return _insert_zwnj(key, restored | _zwnj_positions(token, shape_only=False))
    # The writer split the word differently from the lexicon (e.g. hazm's می‌دانی); respect
    # their split and only look inside each part.
    parts = [_insert_zwnj(part, _zwnj_positions(restorer.restore(part))) for part in token.split(ZWNJ)]
    return ZWNJ.join(parts)


def _zwnj_positions(spelling: str, shape_only: bool = True) -> frozenset[int]:
    """Offsets in the ZWNJ-free word before which a ZWNJ stands.

    With ``shape_only`` only those after a joining letter count: the others change nothing
    visible, so the restorer neither inserts them nor lets them decide anything.
    """
    positions = set()
    offset = 0
    for index, char in enumerate(spelling):
        if char == ZWNJ:
            previous = spelling[index - 1] if index else ""
            if not shape_only or (previous and previous not in NON_JOINING and previous != ZWNJ):
                positions.add(offset)
        else:
            offset += 1
    return frozenset(positions)


def _insert_zwnj(key: str, positions: frozenset[int]) -> str:
    """Put a ZWNJ before each offset of ``key`` (offsets never at either end)."""
    if not positions:
        return key
    cuts = sorted(p for p in positions if 0 < p < len(key))
    pieces = [key[start:end] for start, end in zip([0, *cuts], [*cuts, len(key)], strict=True)]
    return ZWNJ.join(pieces)


class _Restorer:
    """Word-level analysis with a memo, so each distinct word costs one bounded analysis."""

    _instances: dict[int, _Restorer] = {}

    def __init__(self, lexicon: HalfspaceLexicon) -> None:
        self.lexicon = lexicon
        # Words in news text repeat heavily; the memo keeps repeated lookups O(1).
        self._memo: dict[str, str | None] = {}
        # Joined words with more than one reading: key -> its readings (restore_halfspaces looks
        # at their neighbours).
        self.competing: dict[str, frozenset[str]] = {}
        # The spelling real text writes most for each ZWNJ-free key (ties: the first in code-point order).
        self._usual: dict[str, str] = {}
        runner_up: dict[str, int] = {}
        for spelling in sorted(lexicon.usage, key=lambda spelling: (lexicon.usage[spelling], spelling)):
            key = spelling.replace(ZWNJ, "")
            if key in self._usual:
                runner_up.setdefault(key, lexicon.usage[spelling])
            self._usual.setdefault(key, spelling)
        for key, spelling in lexicon.published.items():
            usual = self._usual.get(key)
            if usual is None or runner_up.get(key, UNUSED_CLASS) - lexicon.usage[usual] < USAGE_MARGIN:
                # News fills in what wordfreq's list lacks or leaves undecided: کیروش 523, کی‌روش 527
                # there, but Varzesh3 writes کی‌روش 195 times and کیروش 3.
                self._usual[key] = spelling

    @classmethod
    def for_lexicon(cls, lexicon: HalfspaceLexicon) -> _Restorer:
        """One restorer (and memo) per lexicon object."""
        restorer = cls._instances.get(id(lexicon))
        if restorer is None or restorer.lexicon is not lexicon:
            if len(cls._instances) >= 8:
                cls._instances.clear()  # only tests build many lexicons; do not pin them all
            restorer = cls._instances[id(lexicon)] = cls(lexicon)
        return restorer

    def restore(self, key: str) -> str:
        """Correct spelling of ``key``; for a word nothing is known about, its plural or clitic split
        off when its shape leaves no doubt (:meth:`_unknown_inflection`), else ``key`` itself."""
        found = self.analyse(key)
        return self._unknown_inflection(key) if found is None else found

    def _unknown_inflection(self, key: str) -> str:
        """``پاسپورت‌های``, ``نانولوله‌های``, ``درآمده‌اند``: a word no list knows that ends in a plural,
        or in ``اند`` after a silent ``ه``, keeps it apart (on the dev sets such words are published
        split 33 times, joined once). A plural's shape wins (``Xهای`` is read ``X‌های``, not
        ``Xه‌ای``) unless ``Xه`` is a listed word; too short a stem (``اپها``) is left to
        :func:`restore_halfspaces`'s look at the release's words. The other clitics are not
        guessed: an unknown word in ``هام``, ``هاش`` is more often a foreign name (تاتنهام,
        Tottenham) than a noun with ``ام``/``اش``. A plural's stem must be unknown too: a known stem
        always gives a plural reading unless the rules turned it down (نیستها: a verb takes no
        plural), and then it stays turned down. Only for whole words: an unknown stem stays unknown
        to the rules that build on stems, which is why :meth:`analyse` never answers this."""
        suffix = next((suffix for suffix in _PLURALS_LONGEST_FIRST if key.endswith(suffix)), None)
        if suffix is not None:
            stem = key[: -len(suffix)]
            fits = len(stem) >= MIN_UNKNOWN_STEM and stem[-1] not in NON_JOINING and self.analyse(stem) is None
            singular = key[:-2]
            if fits and suffix == "های" and _silent_heh(singular) and self.analyse(singular) is not None:
                # مسألهای: not the plural of an unknown مسأل but مسأله, which hazm lists uncounted
                # (too weakly attested for the rules' ه‌ای), with its indefinite ای.
                return f"{singular}{ZWNJ}ای"
        else:
            suffix = "اند"  # the perfect of a participle no list has (درآمده‌اند), known stem or not
            stem = key[: -len(suffix)]
            fits = key.endswith(suffix) and len(stem) >= MIN_UNKNOWN_STEM and _silent_heh(stem)
        return f"{stem}{ZWNJ}{suffix}" if fits else key

    def usual_halfspaced(self, key: str) -> str:
        """``key`` as real text spells it when that has a half-space and is clearly the usual spelling
        (:data:`USAGE_MARGIN` more frequent than the joined one, or the joined one unused), else ``key``.

        For the word before a suffix the writer (or hazm) set apart: شیوه‌نامه‌های, سخت‌افزار‌های, but
        سیاستگذاری‌های, which real text writes joined about as often as سیاست‌گذاری.
        """
        usual = self._usual_halfspaced_or_none(key)
        if usual is None:
            return key
        joined_class = self.lexicon.usage.get(key)
        if joined_class is not None and joined_class - self.lexicon.usage.get(usual, UNUSED_CLASS) < USAGE_MARGIN:
            return key
        return usual

    def _usual_halfspaced_or_none(self, key: str) -> str | None:
        """The spelling real text (or published news) writes most for ``key``, if it has a half-space."""
        usual = self._usual.get(key)
        return usual if usual is not None and _zwnj_positions(usual) else None

    def analyse(self, key: str) -> str | None:
        """Spelling of a recognised word, None for an unknown one (then it is no stem either)."""
        if key not in self._memo:
            if len(self._memo) > 200_000:
                self._memo.clear()  # bound memory on endless streams; results do not change
                self.competing.clear()
            self._memo[key] = self._analyse(key)
        return self._memo[key]

    def _analyse(self, key: str) -> str | None:
        lexicon = self.lexicon
        if key in lexicon.whole:
            return key
        name_suffix = next((s for s in NAME_SUFFIXES if key.endswith(s) and key[: -len(s)] in lexicon.names), None)
        if name_suffix is not None:
            # تهرانی, رضایی: a name's derivative is a name-like word, joined to it (خرم‌آبادی)
            name = key[: -len(name_suffix)]
            return lexicon.spelled.get(name, name) + name_suffix
        if key in lexicon.spelled:
            spelling = lexicon.spelled[key]
            if spelling.endswith(_INDEFINITE_AFTER_HEH):
                self._note_plural_rival(key, spelling)
            return spelling
        if any(
            key.endswith(s) and key[: -len(s)] in lexicon.whole and not (s == "ی" and _silent_heh(key[:-1]))
            for s in JOINED_SUFFIXES
        ):
            return key  # چشمگیری, ورزشکاران: a joined word's derivative stays joined too
        readings = self._split_readings(key)
        usual = self._usual_halfspaced_or_none(key)
        if usual is not None and (not readings or self._only_uncounted(readings, usual)):
            return usual  # بهعنوان -> به‌عنوان: no rule knows it, real text writes it apart
        if readings:
            return self._choose(key, readings)
        if key in lexicon.counts and len(key) >= MIN_UNCOUNTED_STEM:
            return key  # an uncounted entry: known enough to stay whole and to act as a stem
        return None

    @staticmethod
    def _only_uncounted(readings: list[tuple[int, str]], usual: str) -> bool:
        """True when real text spells the word ``usual`` and no reading agrees, each resting on a
        stem hazm lists uncounted: افجهای is published ``افجه‌ای`` (a surname), not the plural of the
        fragment ``افج``."""
        return all(frequency < 1 and spelling != usual for frequency, spelling in readings)

    def _note_plural_rival(self, key: str, spelling: str) -> None:
        """Record a listed ``Xه‌ای`` that also reads as a plural (hazm lists ``حرفه‌ای``; ``حرفهای`` is
        ``حرف‌های`` too) among the competing words, the listed spelling staying the choice."""
        plurals = {reading for _, reading in self._split_readings(key) if reading.endswith("های")}
        if plurals:
            self.competing[key] = frozenset({spelling, *plurals})

    def _split_readings(self, key: str) -> list[tuple[int, str]]:
        """Every (stem frequency, spelling) reading of ``key`` as stem + affix or compound.

        Readings whose stem ends in a non-joining letter are kept although they add no ZWNJ:
        they compete with the others, so روزهای (روز + های) is not misread as روزه‌ای.
        """
        readings = []
        counts = self.lexicon.counts
        for suffix in SPACED_SUFFIXES:
            if not key.endswith(suffix) or len(key) - len(suffix) < MIN_STEM:
                continue
            stem = key[: -len(suffix)]
            if not self._suffix_fits(stem, suffix) or self._extends_whole_word(stem, suffix):
                continue
            stem_spelling = self.analyse(stem)
            if stem_spelling is None:
                continue
            frequency = counts.get(stem_spelling, 0)
            # hazm lists most words in ی uncounted (اجتماعی, عراقی, بیماری): known is enough for them.
            attested = frequency >= 1 or stem_spelling in self.lexicon.whole or stem.endswith("ی")
            if not attested and (suffix in COMPOUND_HEADS or suffix in AFTER_HEH_SUFFIXES):
                # Compounds are productive and hazm lists many uncounted fragments ending in ه
                # (تیمه): only well-attested stems take these.
                continue
            joiner = "" if stem[-1] in NON_JOINING else ZWNJ
            if suffix in AFTER_HEH_SUFFIXES and suffix != "ای" and stem in self.lexicon.participles:
                # کرده‌ایم, not کرد‌هایم: after a past participle these are the perfect tense. Not
                # ای: many past stems are nouns too (نشست‌های, پرداخت‌های are plurals).
                return [(frequency, f"{stem_spelling}{joiner}{suffix}")]
            readings.append((frequency, f"{stem_spelling}{joiner}{suffix}"))
        for suffix in JOINED_SUFFIXES:
            stem = key[: -len(suffix)]
            if key.endswith(suffix) and stem in self.lexicon.spelled and not stem.endswith("ه"):
                # دانش‌آموز + ان: the suffix joins, the stem keeps its own half-space.
                readings.append((counts.get(self.lexicon.spelled[stem], 0), self.lexicon.spelled[stem] + suffix))
        for prefix in WORD_PREFIXES:
            rest = key[len(prefix) :]
            # Long adjectives only: کم‌برخوردار, نیمه‌سنگین; کمپوست is no کم + پوست (tagged AJ too).
            if (
                key.startswith(prefix)
                and len(rest) >= MIN_PREFIXED_WORD
                and rest in self.lexicon.adjectives
                and counts.get(rest, 0) >= 1
            ):
                readings.append((counts[rest], f"{prefix}{ZWNJ}{self.analyse(rest) or rest}"))
        for prefix in VERB_PREFIXES:
            rest = key[len(prefix) :]
            if key.startswith(prefix) and rest in self.lexicon.spelled and rest.startswith(("می", "نمی")):
                # درمی‌آیند, برمی‌گردد: a preverb ending in a non-joining letter, written joined.
                readings.append((0, prefix + self.lexicon.spelled[rest]))
        return readings

    def _extends_whole_word(self, stem: str, suffix: str) -> bool:
        """True for آنهایی, منهای, بیشترین: stem plus the suffix's head is a word kept whole."""
        for head in ("ها", "تر"):
            if suffix != head and suffix.startswith(head) and stem + head in self.lexicon.whole:
                return True
        return False

    def _suffix_fits(self, stem: str, suffix: str) -> bool:
        """Grammar constraints that keep تر off nouns and ای off stems not ending in ه."""
        if suffix in PLURAL_SUFFIXES:
            return stem not in _COPULAS  # هستهایش is no هست + هایش
        if suffix in AFTER_HEH_SUFFIXES:
            # After اه and وه the ه is a consonant (راهی, گروهی are joined words), as in توجه, فقه:
            # a ی there belongs to the word, so it is never split off.
            if suffix == "ی" or (suffix in AFTER_VOWEL_ONLY and stem.endswith("ه")):
                return _silent_heh(stem)
            return stem.endswith("ه") or (suffix in AFTER_YEH_SUFFIXES and self._takes_clitic_after_yeh(stem))
        if suffix in COMPARATIVE_SUFFIXES:
            return stem in self.lexicon.adjectives
        if suffix == "بر":
            return len(stem) >= MIN_BAR_STEM  # ماهواره‌بر, هزینه‌بر; فیبر, منبر are words
        if suffix in PLURAL_POSSESSIVES:
            if len(stem) < MIN_POSSESSIVE_STEM:
                return False  # مهمان, دهشان
            return _silent_heh(stem) or (stem.endswith("ی") and stem[-2] not in "او")
        if suffix in SURNAMES_AFTER_YEH:
            return stem.endswith("ی") and len(stem) >= MIN_YEH_SURNAME_STEM
        return True

    def _takes_clitic_after_yeh(self, stem: str) -> bool:
        """True for اجتماعی (اجتماعی‌اش); False for دنی, whose ی + ای is دنیا's ezafe (دنیای)."""
        ya_word = stem + "ا"
        return stem.endswith("ی") and self.lexicon.counts.get(ya_word, 0) < 1 and ya_word not in self.lexicon.whole

    def _choose(self, key: str, readings: list[tuple[int, str]]) -> str:
        """One reading, or ``key`` unchanged when competing readings are about as likely.

        Real-text usage of the whole spellings decides first (``نامه‌ای`` against ``نام‌های``), the
        spelling published news gives the word second, the stems' frequencies in hazm's lexicon
        third. The choice is recorded in ``competing``:
        :func:`restore_halfspaces` may overrule it by the neighbouring words.
        """
        distinct: dict[str, int] = {}
        for frequency, spelling in readings:  # one spelling may come from several analyses
            distinct[spelling] = max(frequency, distinct.get(spelling, 0))
        if key in self.lexicon.usage and self._more_used([key, *distinct], JOINED_MARGIN) == key:
            return key  # برندهای: real text writes the joined word, and its split readings far less
        if len(distinct) == 1:
            return next(iter(distinct))
        chosen = self._more_used(distinct)
        if chosen is None and self.lexicon.published.get(key) in distinct:
            chosen = self.lexicon.published[key]  # بیمه‌ای: what published news writes 3 times as often
        copulas = [spelling for spelling in distinct if spelling.endswith(f"ه{ZWNJ}است")]
        if chosen is None and len(copulas) == 1:
            chosen = copulas[0]  # خانه‌است ("is a house") far more often than خان‌هاست ("khans are")
        if chosen is None:
            ranked = sorted(distinct.items(), key=lambda item: item[1], reverse=True)
            (best, best_count), (_, runner_up) = ranked[0], ranked[1]
            chosen = best if best_count >= READING_RATIO * max(runner_up, 1) else key
        self.competing[key] = frozenset(distinct)
        return chosen

    def _more_used(self, spellings: Iterable[str], margin: int = USAGE_MARGIN) -> str | None:
        """The spelling real text writes ``margin`` (centibels) more often than every other, if any."""
        usage = self.lexicon.usage
        ranked = sorted((usage.get(spelling, UNUSED_CLASS), spelling) for spelling in spellings)
        (best_class, best), (runner_up, _) = ranked[0], ranked[1]
        return best if best_class < UNUSED_CLASS and runner_up - best_class >= margin else None
