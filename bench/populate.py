"""Populate a store with N synthetic releases in bulk, through the store (no hazm, no parsing).

    python -m bench populate --database-url URL --count N [--seed S] [--batch B]
                             [--categories K] [--sources M] [--per-day D]

First the schema is created or upgraded exactly as `feedapp db upgrade` does. Then N releases
are built directly as `Release` objects and written with `store.insert_batch`, one transaction
per batch of B (default 2,000): each release is stored as `save_release` stores a new key (row,
places, categories, counters, its own data version), only in bulk (executemany, the version and
counters moved once a batch), so the store is the one an ingest of the same releases would
write, only without parsing and normalizing them (tests/test_populate.py compares every table).
On SQLite the batches commit with `synchronous=OFF`.

Release n (counting every release already stored, so a second run appends after the first) has
the key `syn-` + n in 8 digits, and everything else drawn from a random generator seeded by
(seed, n): the same seed gives the same releases, whether written in one run or several.
- Text: Persian sentences built from a fixed vocabulary written as hazm writes it (Persian yeh
  and kaf, half-spaces U+200C; normalizing leaves it as it is): a headline of 60-90 characters,
  a lead of 160-440 (about 270), 3-8 body paragraphs of 240-680 (about 420); a kicker
  (`name، role office city`) on 40% of releases. About 5.2 KB of JSON a release.
- Published: an exact instant with its Jalali date (`jalali.published_from_instant`), D a day
  (default 1,000) from 1397/01/01 (2018-03-21) on, in increasing order with some jitter, and 1%
  backdated by an hour to a week (out of order, as backdated releases are). 3,000,000
  releases reach 2026-06; `--per-day 50` spreads 100,000 over five and a half years.
- Categories: 0-3 of a pool of K (default 40) Persian category names; source: one of a pool of
  M (default 1,000) public-relations offices (`روابط عمومی شهرداری قزوین`); both pools depend on
  K and M only, and both are drawn with a skew (the first names are the biggest feeds).
- An image (https URL, caption, type, length) on 30% of releases; language `fa`.
- Raw bytes: the release as a JSON release (format `json`, README "Release formats"), UTF-8,
  which `feedapp/core/jsonrelease.py` parses back into exactly this Release.

On stderr: `applied VERSION` per migration applied, then a progress line every 5 s
(`12,000/200,000 releases (6%), 1,363 releases/s`). On stdout, one line:
`populated 200,000 releases (syn-00000000 to syn-00199999) in 146.7 s (1,363 releases/s) into URL`
(the time counts the inserts, not the schema upgrade; a PostgreSQL password is shown as ***).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import chain, islice
from typing import TextIO

from feedapp import schema, store
from feedapp.core.jalali import TEHRAN, published_from_instant, to_persian_digits
from feedapp.core.models import Image, PublishedAt, Release
from feedapp.engine import Engine

Item = tuple[Release, bytes, str]  # what store.insert_batch takes: release, raw bytes, format

KEY_PREFIX = "syn-"
KEY_DIGITS = 8  # 100 million keys: far beyond the 3 million the issue asks for
# 1397/01/01 00:00 in Tehran, in UTC: slots are counted in elapsed time, never on Tehran's clock.
FIRST_INSTANT = datetime(2018, 3, 21, tzinfo=TEHRAN).astimezone(timezone.utc)
PER_DAY = 1_000  # about one release a day from each of the default 1,000 offices
BACKDATED_SHARE = 0.01
IMAGE_SHARE = 0.30
KICKER_SHARE = 0.40
PROGRESS_SECONDS = 5.0

# The vocabulary: words as the normalizer writes them (ی and ک, half-spaces), so normalizing
# the text would leave it as it is.
OPENERS = (
    "به گزارش روابط عمومی",
    "به گزارش خبرنگار ما",
    "بر اساس این گزارش،",
    "در ادامه این نشست",
    "وی افزود:",
    "وی در ادامه گفت:",
    "همچنین",
    "در همین راستا",
    "با توجه به اهمیت موضوع،",
    "این مسئول تصریح کرد:",
    "رئیس این اداره با اشاره به",
    "در این مراسم",
)
WORDS = (
    "شهرداری",
    "استانداری",
    "سازمان",
    "سازمان‌ها",
    "مدیرکل",
    "معاون",
    "اداره",
    "روابط عمومی",
    "برنامه‌ها",
    "برنامه‌های",
    "پروژه‌های",
    "فعالیت‌های",
    "شهروندان",
    "خدمات",
    "توسعه",
    "زیرساخت‌ها",
    "اجرای",
    "طرح",
    "سامان‌دهی",
    "افتتاح",
    "بهره‌برداری",
    "حمایت",
    "مدیران ارشد",
    "هماهنگی",
    "دستگاه‌های اجرایی",
    "استان",
    "شهرستان",
    "منطقه",
    "کشور",
    "ملی",
    "بین‌المللی",
    "فرهنگی",
    "اجتماعی",
    "اقتصادی",
    "آموزشی",
    "پژوهشی",
    "درمانی",
    "بهداشتی",
    "ورزشی",
    "سلامت",
    "محیط‌زیست",
    "حمل و نقل عمومی",
    "مترو",
    "ناوگان اتوبوس‌رانی",
    "ترافیک",
    "فضای سبز",
    "بوستان‌ها",
    "آب شرب",
    "شبکه برق",
    "گازرسانی",
    "راه‌های روستایی",
    "مسکن",
    "بیمه سلامت",
    "بیمارستان",
    "دانشگاه",
    "دانشجویان",
    "دانش‌آموزان",
    "مدارس",
    "کتابخانه‌های عمومی",
    "جوانان",
    "بانوان",
    "خانواده‌ها",
    "کارکنان",
    "نیروهای امدادی",
    "هلال‌احمر",
    "آتش‌نشانی",
    "پیش‌گیری از حوادث",
    "بارش برف",
    "بارندگی",
    "هواشناسی",
    "کاهش",
    "افزایش",
    "درصد",
    "میلیارد ریال",
    "اعتبارات",
    "بودجه",
    "سال آینده",
    "سال جاری",
    "هفته گذشته",
    "ماه‌های اخیر",
    "امروز",
    "پیگیری",
    "بررسی",
    "ارزیابی",
    "نظارت",
    "کیفیت",
    "عملکرد",
    "ارتقای",
    "بهبود",
    "تسهیل",
    "اطلاع‌رسانی",
    "شفاف‌سازی",
    "مشارکت",
    "همکاری",
    "تعامل",
    "سرمایه‌گذاری",
    "اشتغال",
    "تولید",
    "صادرات",
    "کشاورزی",
    "صنعت",
    "گردشگری",
    "میراث فرهنگی",
    "صنایع‌دستی",
    "نوروز",
    "مسافران",
    "ایمنی",
    "تردد",
    "نوسازی",
    "هوشمندسازی",
    "سامانه",
    "خدمات الکترونیکی",
    "درخواست‌ها",
    "پرونده‌ها",
    "صدور مجوز",
    "شورای اسلامی شهر",
    "نمایندگان",
    "دولت",
    "وزارت",
    "ستاد",
    "کارگروه",
    "جلسه",
    "مصوبات",
    "آیین‌نامه",
    "دستورالعمل",
    "مرحله نخست",
    "مرحله دوم",
    "پیشرفت فیزیکی",
    "تکمیل",
    "آغاز",
    "پایان",
    "در راستای",
    "به منظور",
    "با هدف",
    "با حضور",
    "از سوی",
    "در حوزه",
    "برای",
    "در",
    "از",
    "با",
    "به",
    "و",
    "و",
    "که",
    "این",
    "همه",
    "بیش از",
    "نزدیک به",
)
VERBS = (
    "برگزار شد",
    "برگزار خواهد شد",
    "می‌شود",
    "انجام می‌شود",
    "اعلام کرد",
    "تأکید کرد",
    "قرار گرفت",
    "آغاز شده است",
    "به پایان رسید",
    "افتتاح شد",
    "ضروری است",
    "ادامه دارد",
    "پیگیری می‌کنیم",
    "در دستور کار قرار دارد",
    "فراهم شد",
)
CATEGORIES = (
    "اقتصادی",
    "اجتماعی",
    "فرهنگی",
    "ورزشی",
    "سیاسی",
    "بین‌الملل",
    "علمی",
    "فناوری",
    "سلامت",
    "آموزش",
    "دانشگاه",
    "محیط‌زیست",
    "حمل و نقل",
    "شهری",
    "استانی",
    "کشاورزی",
    "صنعت و معدن",
    "بازرگانی",
    "گردشگری",
    "میراث فرهنگی",
    "هنر",
    "سینما",
    "کتاب",
    "جوانان",
    "بانوان",
    "خانواده",
    "حوادث",
    "هواشناسی",
    "انرژی",
    "آب و فاضلاب",
    "مسکن",
    "بیمه",
    "بهداشت و درمان",
    "قضایی",
    "انتظامی",
    "مذهبی",
    "فضای مجازی",
    "ارتباطات",
    "اشتغال",
    "نوروز",
)
OFFICES = (
    "شهرداری",
    "استانداری",
    "فرمانداری",
    "دانشگاه علوم پزشکی",
    "دانشگاه",
    "اداره کل هواشناسی",
    "اداره کل ورزش و جوانان",
    "اداره کل میراث فرهنگی",
    "شرکت آب و فاضلاب",
    "شرکت توزیع نیروی برق",
    "شرکت گاز",
    "اداره کل راهداری",
    "سازمان جهاد کشاورزی",
    "اداره کل بیمه سلامت",
    "اداره کل آموزش و پرورش",
    "اداره کل تأمین اجتماعی",
    "سازمان آتش‌نشانی",
    "سازمان اتوبوس‌رانی",
    "جمعیت هلال‌احمر",
    "اداره کل کتابخانه‌های عمومی",
)
CITIES = (
    "تهران",
    "مشهد",
    "اصفهان",
    "کرج",
    "شیراز",
    "تبریز",
    "قم",
    "اهواز",
    "کرمانشاه",
    "ارومیه",
    "رشت",
    "زاهدان",
    "همدان",
    "کرمان",
    "یزد",
    "اردبیل",
    "بندرعباس",
    "اراک",
    "زنجان",
    "قزوین",
    "سنندج",
    "خرم‌آباد",
    "گرگان",
    "ساری",
    "بجنورد",
    "بیرجند",
    "سمنان",
    "ایلام",
    "یاسوج",
    "شهرکرد",
    "بوشهر",
    "کاشان",
    "نیشابور",
    "سبزوار",
    "دزفول",
    "آمل",
    "بابل",
    "ملایر",
    "بروجرد",
    "مراغه",
    "خوی",
    "میاندوآب",
    "ساوه",
    "ورامین",
    "شهریار",
    "اسلامشهر",
    "نجف‌آباد",
    "کیش",
    "چابهار",
    "مریوان",
)
FIRST_NAMES = ("علیرضا", "محمد", "حسین", "مهدی", "زهرا", "فاطمه", "مریم", "رضا", "سعید", "نرگس", "امیر", "لیلا")
LAST_NAMES = ("منجم", "احمدی", "کریمی", "رضایی", "موسوی", "حسینی", "جعفری", "صادقی", "رحیمی", "نوری", "کاظمی")
ROLES = ("رئیس اداره روابط عمومی", "مدیرکل", "معاون عمرانی", "سرپرست", "سخنگوی", "مدیر امور ارتباطات")
CAPTION_WORDS = WORDS[:40]
CAPTIONS = ("نمایی از مراسم", "تصویری از نشست", "بازدید مسئولان از", "عکس از روابط عمومی", "افتتاح طرح")


@dataclass(frozen=True)
class _Text:
    """Pieces (sentences, or words) joined by spaces, as text and as UTF-8, with where each starts.

    Releases are cut out of it, their raw bytes out of `data`: encoding 5 KB of Persian for
    each release would cost a fifth of building it.
    """

    text: str
    data: bytes
    starts: list[int]  # the character offset of each piece, then len(text) + 1
    byte_starts: list[int]  # the same in bytes

    @classmethod
    def of(cls, pieces: list[str]) -> _Text:
        _check_plain(pieces)
        starts, byte_starts, offset, byte_offset = [], [], 0, 0
        for piece in pieces:
            starts.append(offset)
            byte_starts.append(byte_offset)
            offset += len(piece) + 1
            byte_offset += len(piece.encode()) + 1
        text = " ".join(pieces)
        return cls(text, text.encode(), [*starts, offset], [*byte_starts, byte_offset])

    def span(self, first: int, end: int) -> tuple[str, bytes]:
        """Pieces first … end-1, as text and as bytes."""
        return self.text[self.starts[first] : self.starts[end] - 1], self.data[
            self.byte_starts[first] : self.byte_starts[end] - 1
        ]


@dataclass(frozen=True)
class _Corpus:
    """Text to cut headlines and paragraphs from: sentences, and words without punctuation.

    Built once per process from a fixed generator (never from --seed), so a release depends only
    on its own generator: cutting a paragraph is two random numbers and a bisect.
    """

    sentences: _Text
    words: _Text


SENTENCES = 30_000  # about 3.7 million characters: paragraphs are all but never cut twice alike
TITLE_WORDS = 300_000


@lru_cache(maxsize=1)
def corpus() -> _Corpus:
    rng = random.Random(16)
    sentences = []
    for _ in range(SENTENCES):
        pieces = [rng.choice(OPENERS)] if rng.random() < 0.5 else []
        pieces = _draw(rng, WORDS, rng.randint(7, 18), pieces)
        if rng.random() < 0.4:
            pieces[rng.randrange(len(pieces) - 5, len(pieces))] += "،"
        sentences.append(" ".join(_draw(rng, VERBS, 1, pieces)) + ".")
    _check_plain([*CATEGORIES, *OFFICES, *CITIES, *FIRST_NAMES, *LAST_NAMES, *ROLES, *CAPTIONS])
    title_words = _draw(rng, WORDS[:-12], TITLE_WORDS, [])  # no bare particles
    return _Corpus(_Text.of(sentences), _Text.of(title_words))


# Neighbours the normalizer would join with a half-space (`به‌به`, `این‌که`): never drawn side by side.
JOINED_BY_NORMALIZER = {("به", "به"), ("این", "که")}


def _draw(rng: random.Random, choices: Sequence[str], count: int, pieces: list[str]) -> list[str]:
    """`pieces` and `count` more drawn from `choices`, none forming a pair the normalizer would join."""
    while count:
        piece = rng.choice(choices)
        if not pieces or (pieces[-1].rsplit(" ", 1)[-1], piece.split(" ", 1)[0]) not in JOINED_BY_NORMALIZER:
            pieces.append(piece)
            count -= 1
    return pieces


def _check_plain(texts: Iterable[str]) -> None:
    """Raw bytes are written as the text is: nothing JSON escapes (with ensure_ascii=False) may be in it."""
    for text in texts:
        if any(char in '"\\' or char < " " for char in text):
            raise ValueError(f"{text!r} needs escaping in JSON; the raw bytes would be broken JSON")


def _cut(text: _Text, rng: random.Random, low: int, high: int) -> tuple[str, bytes]:
    """Whole sentences from a random one on, about `low`-`high` characters long (a sentence more)."""
    first = int(rng.random() * (len(text.starts) - 200))
    target = text.starts[first] + low + int(rng.random() * (high - low))
    end = max(bisect.bisect_right(text.starts, target), first + 1)  # the sentences that start before target
    return text.span(first, end)


def _headline(words: _Text, rng: random.Random) -> tuple[str, bytes]:
    """60-90 characters: the words that fit in a random length of 80-90 (no word is over 20)."""
    first = int(rng.random() * (len(words.starts) - 100))
    limit = words.starts[first] + 80 + int(rng.random() * 11) + 1  # one past the last character allowed
    end = bisect.bisect_right(words.starts, limit) - 1  # the first word that would not fit
    return words.span(first, end)


def category_pool(size: int) -> list[str]:
    """`size` distinct category names: the list, then pairs of them (`اقتصادی و فرهنگی`), then numbered."""
    pairs = (f"{a} و {b}" for a in CATEGORIES for b in CATEGORIES if a != b)
    numbered = (f"{a} {to_persian_digits(str(n))}" for n in itertools.count(2) for a in CATEGORIES)
    return list(islice(chain(CATEGORIES, pairs, numbered), size))


def source_pool(size: int) -> list[str]:
    """`size` distinct offices: `روابط عمومی <office> <city>` (1,000 of them), then numbered (`… ۲`)."""
    offices = [f"روابط عمومی {office} {city}" for city in CITIES for office in OFFICES]
    numbered = (f"{office} {to_persian_digits(str(n))}" for n in itertools.count(2) for office in offices)
    return list(islice(chain(offices, numbered), size))


def key_of(number: int) -> str:
    return f"{KEY_PREFIX}{number:0{KEY_DIGITS}d}"


def _skewed(rng: random.Random, pool: list[str]) -> str:
    """A name of the pool, the first ones more often (index ~ size × u²: the first of 1,000 gets 3%)."""
    return pool[int(len(pool) * rng.random() ** 2)]


def _instant(number: int, rng: random.Random, per_day: float) -> datetime:
    """Release `number`'s slot from FIRST_INSTANT, moved by under half a slot; 1% backdated."""
    interval = 86_400 / per_day
    seconds = (number + 0.9 * (rng.random() - 0.5)) * interval
    if rng.random() < BACKDATED_SHARE:
        seconds -= 3_600 + rng.random() * 7 * 86_400
    return FIRST_INSTANT + timedelta(seconds=round(seconds))


@lru_cache(maxsize=4_096)
def _jalali(day: date) -> str:
    """The Jalali date of a day in Tehran, as `published_from_instant` writes it (once a day, not
    once a release: jdatetime's formatting costs more than the rest of a release)."""
    return published_from_instant(datetime(day.year, day.month, day.day, 12, tzinfo=TEHRAN)).jalali


def release(number: int, seed: int, categories: list[str], sources: list[str], per_day: float = PER_DAY) -> Item:
    """Release `number` of generator `seed`, with names from these pools, and its raw JSON bytes."""
    rng = random.Random((seed << 40) + number)
    text = corpus()
    key = key_of(number)
    instant = _instant(number, rng, per_day)
    local = instant.astimezone(TEHRAN)
    kicker = None
    if rng.random() < KICKER_SHARE:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        kicker = f"{name}، {rng.choice(ROLES)} {rng.choice(OFFICES)} {rng.choice(CITIES)}"
    chosen: list[str] = []
    if categories:
        wanted = min(len(categories), (0, 1, 1, 1, 2, 2, 2, 3)[int(rng.random() * 8)])
        while len(chosen) < wanted:
            name = _skewed(rng, categories)
            if name not in chosen:
                chosen.append(name)
    images: tuple[Image, ...] = ()
    if rng.random() < IMAGE_SHARE:
        images = (
            Image(
                url=f"https://media.example.ir/{local:%Y/%m}/{key}.jpg",
                caption=f"{rng.choice(CAPTIONS)} {rng.choice(CAPTION_WORDS)}",
                type="image/jpeg",
                length=40_000 + int(rng.random() * 400_000),
            ),
        )
    title, title_raw = _headline(text.words, rng)
    lead, lead_raw = _cut(text.sentences, rng, 160, 240)
    body = [_cut(text.sentences, rng, 240, 460) for _ in range(3 + int(rng.random() * 6))]
    source = _skewed(rng, sources) if sources else None
    item = Release(
        key=key,
        published=PublishedAt(instant=instant, jalali=_jalali(local.date()), has_time=True),
        title=title,
        lead=lead,
        body=tuple(paragraph for paragraph, _ in body),
        kicker=kicker,
        categories=tuple(chosen),
        source=source,
        images=images,
    )
    # json.dumps(document(item), ensure_ascii=False).encode(), put together from bytes cut out of
    # the corpus: json's encoder and UTF-8 encoding would cost a third of the release.
    raw = [f'{{"key": "{key}", "published": "{local.isoformat()}"']
    if kicker:
        raw.append(f', "kicker": "{kicker}"')
    raw.append(', "title": "')
    head = "".join(raw).encode()
    tail = [f", {_json_field(name, value)}" for name, value in _optional_fields(item)]
    middle = b'", "body": ["' + b'", "'.join(data for _, data in body) + b'"]'
    raw_bytes = b"".join([head, title_raw, b'", "lead": "', lead_raw, middle, "".join(tail).encode(), b"}"])
    return item, raw_bytes, "json"


def _optional_fields(item: Release) -> Iterator[tuple[str, object]]:
    if item.categories:
        yield "categories", list(item.categories)
    if item.source:
        yield "source", item.source
    if item.images:
        yield "images", [image.as_dict() for image in item.images]


def _json_field(name: str, value: object) -> str:
    """`"name": value` as json.dumps writes it, for the short values here (no text needs escaping)."""
    if isinstance(value, str):
        return f'"{name}": "{value}"'
    if isinstance(value, list):
        return f'"{name}": [' + ", ".join(_json_value(item) for item in value) + "]"
    raise TypeError(f"{name}: {type(value).__name__}")


def _json_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{name}": {_json_value(item)}' for name, item in value.items()) + "}"
    return str(value)  # the length of an image


def document(item: Release) -> dict[str, object]:
    """The release as a newsroom would send it in JSON (README "Release formats"): published in
    ISO 8601 with the Tehran offset, empty fields left out, language left to its default (fa).
    Its raw bytes are this, `json.dumps(…, ensure_ascii=False)`, in UTF-8."""
    result: dict[str, object] = {"key": item.key, "published": item.published.instant.astimezone(TEHRAN).isoformat()}
    if item.kicker:
        result["kicker"] = item.kicker
    result.update(title=item.title, lead=item.lead, body=list(item.body))
    result.update(_optional_fields(item))
    return result


def releases(
    count: int,
    seed: int = 0,
    *,
    first: int = 0,
    categories: int = len(CATEGORIES),
    sources: int = 1_000,
    per_day: float = PER_DAY,
) -> Iterator[Item]:
    """Releases first … first+count-1 of generator `seed`: (Release, raw bytes, format)."""
    category_names, source_names = category_pool(categories), source_pool(sources)
    for number in range(first, first + count):
        yield release(number, seed, category_names, source_names, per_day)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass(frozen=True)
class Populated:
    first: int  # the number of the first release written (the releases stored before)
    count: int
    seconds: float


def populate(
    url: str,
    count: int,
    seed: int = 0,
    *,
    batch: int = 2_000,
    categories: int = len(CATEGORIES),
    sources: int = 1_000,
    per_day: float = PER_DAY,
    progress: TextIO | None = None,
) -> Populated:
    """Upgrade the schema at `url`, then append `count` releases in batches; how many, from where, how long."""
    engine = Engine(url)
    try:
        for version in schema.upgrade(engine):
            _say(progress, f"applied {version}")
        schema.require_current(engine)  # a store upgraded by a newer feedapp is refused, as by the app
        if engine.path is not None:
            # Commits not flushed to the disk: a third faster, and a killed run still leaves a sound
            # store in WAL mode (only an OS crash could lose the last batches). On the connection the
            # batches' transactions reuse; serving processes open their own, with NORMAL.
            with engine.connect() as connection:
                connection.raw.execute("PRAGMA synchronous=OFF")
        first = store.count_releases(engine, retracted=True)
        items = releases(count, seed, first=first, categories=categories, sources=sources, per_day=per_day)
        corpus()  # built once (half a second), before the clock starts
        started = last_report = time.perf_counter()
        written = 0
        for chunk in _batches(items, batch):
            written += store.insert_batch(engine, chunk, datetime.now(timezone.utc))
            now = time.perf_counter()
            if now - last_report >= PROGRESS_SECONDS:
                rate = written / (now - started)
                _say(progress, f"{written:,}/{count:,} releases ({written / count:.0%}), {rate:,.0f} releases/s")
                last_report = now
        return Populated(first, written, time.perf_counter() - started)
    finally:
        engine.dispose()


def _say(stream: TextIO | None, line: str) -> None:
    if stream is not None:
        print(line, file=stream, flush=True)


def _where(url: str) -> str:
    """The URL for the summary line, without a PostgreSQL password."""
    engine = Engine(url)
    return url if engine.path is not None else engine.display


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench populate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://…")
    parser.add_argument("--count", type=_natural, required=True, help="releases to append")
    parser.add_argument("--seed", type=_natural, default=0, help="generator seed (default 0)")
    parser.add_argument("--batch", type=_positive, default=2_000, help="releases per transaction (default 2,000)")
    parser.add_argument("--categories", type=_natural, default=len(CATEGORIES), help="category names (default 40)")
    parser.add_argument("--sources", type=_natural, default=1_000, help="source offices (default 1,000)")
    parser.add_argument("--per-day", type=_positive, default=PER_DAY, help="releases a day (default 1,000)")
    args = parser.parse_args(argv)
    try:
        done = populate(
            args.database_url,
            args.count,
            args.seed,
            batch=args.batch,
            categories=args.categories,
            sources=args.sources,
            per_day=args.per_day,
            progress=sys.stderr,
        )
    except (ValueError, schema.SchemaError) as exc:  # a URL that names no database; a newer store
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    span = f" ({key_of(done.first)} to {key_of(done.first + done.count - 1)})" if done.count else ""
    rate = done.count / done.seconds if done.seconds else 0.0
    print(
        f"populated {done.count:,} releases{span} in {done.seconds:.1f} s ({rate:,.0f} releases/s)"
        f" into {_where(args.database_url)}"
    )
    return 0


def _natural(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, found {text}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, found {text}")
    return value
