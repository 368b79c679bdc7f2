"""hazm with protected spans: Persian fixed, URLs, numbers, dates, Latin and markup byte for byte."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from feedapp.core.models import PublishedAt, Release
from feedapp.core.normalize import PLACEHOLDER, mask, normalize_release, normalize_text, unmask

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    "span",
    [
        "www.qazvin.ir",
        "http://www.qazvin.ir/news/1392/12/20?id=5&x=1",
        "https://example.com/a_b/c-d.html#top",
        "info@qazvin.ir",
        "1,250,000",
        "2.5",
        "۳۵.۲",
        "۱۳۹۲/۱۲/۲۰",
        "1392-12-20",
        "14:30",
        "۰۹:۰۵:۰۰",
        "line 1",
        "COVID-19",
        "</a>",
        "<b>",
        "a<b",
        "A&B",
        "Deep Learning & NLP < Workshop >",
        "café",
        "iPhone 15 Pro",
        "٢٠٢٤",
        "\ue000",
        "\uf8ff",
    ],
)
def test_protected_span_survives_byte_for_byte(span):
    text = f"رئيس اداره گفت : {span} مهمترين موضوع است ."
    out = normalize_text(text)
    assert span in out
    assert out.replace(span, "#") == f"رئیس اداره گفت: # مهم{ZWNJ}ترین موضوع است."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("رئيس اداره روابط عمومي", "رئیس اداره روابط عمومی"),  # Arabic yeh → Persian yeh
        ("كار", "کار"),  # Arabic kaf → Persian kaf
        ("ميشود", f"می{ZWNJ}شود"),
        ("اطلاع رساني", f"اطلاع{ZWNJ}رسانی"),  # a half-space typed as a space
        ("مراسم هاي افتتاحيه", f"مراسم{ZWNJ}های افتتاحیه"),
        ("گفت :  «سلام»  ", "گفت: «سلام»"),  # spacing around punctuation, trailing spaces
        ("", ""),
        ("   ", ""),
    ],
)
def test_persian_is_normalized(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # news_dev.txt: the adjective ("field") that hazm wrote as the verb می‌دانی ("you know")
        ("حضور میدانی مسئولین", "حضور میدانی مسئولین"),
        ("نمیدانی", f"نمی{ZWNJ}دانی"),  # hazm's other forms of دانستن are still split
        ("میدانیم", f"می{ZWNJ}دانیم"),
    ],
)
def test_words_the_extra_file_keeps_whole_are_not_split_by_hazm(text, expected):
    assert normalize_text(text) == expected


def test_line_breaks_survive_and_trailing_spaces_go():
    assert normalize_text("سلام  \nدنیا ") == "سلام\nدنیا"


def test_mask_and_unmask_are_inverse_and_spans_kept_in_order():
    text = "نشانی http://a.ir و 2.5 و info@b.ir"
    masked, spans = mask(text)
    assert masked == f"نشانی {PLACEHOLDER} و {PLACEHOLDER} و {PLACEHOLDER}"
    assert spans == ["http://a.ir", "2.5", "info@b.ir"]
    assert unmask(masked, spans) == text


def test_unmask_refuses_a_lost_placeholder():
    with pytest.raises(AssertionError):
        unmask("no placeholder", ["x"])


def _release(language: str) -> Release:
    published = PublishedAt(instant=datetime(2014, 3, 11, tzinfo=timezone.utc), jalali="1392/12/20", has_time=False)
    return Release(
        key="k",
        published=published,
        title="كتاب",
        lead="يك",
        body=("كار", "  "),
        kicker="مدير",
        source="اداره كل",
        categories=("اقتصاد كلان",),
        language=language,
    )


def test_persian_release_has_every_text_field_normalized_and_empty_paragraphs_dropped():
    release = normalize_release(_release("fa-IR"))
    assert (release.title, release.lead, release.body, release.kicker, release.source, release.categories) == (
        "کتاب",
        "یک",
        ("کار",),
        "مدیر",
        "اداره کل",
        ("اقتصاد کلان",),
    )


def test_release_in_another_language_is_left_alone():
    release = _release("ar")
    assert normalize_release(release) == release


def test_unknown_plural_is_read_by_its_singular_in_another_field():
    # اپ (app) is in no word list and too short for a plural to be guessed from its shape: its
    # plural in the body is split because the headline writes the singular; «یو» is nowhere else.
    release = dataclasses.replace(
        _release("fa-IR"), title="اپ تازه وزارت", lead="وزارت خبر داد.", body=("اپهای دیگر هم آمد.", "یوها نیامدند.")
    )
    normalized = normalize_release(release)
    assert normalized.title == "اپ تازه وزارت"
    assert normalized.body == (f"اپ{ZWNJ}های دیگر هم آمد.", "یوها نیامدند.")
