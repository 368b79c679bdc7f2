"""Raw text releases → fields: the sample exactly, each layout variation, each parse error."""

from __future__ import annotations

import codecs

import pytest

from feedapp.core.errors import ReleaseError
from feedapp.core.jalali import rfc3339
from feedapp.core.normalize import normalize_release
from feedapp.core.parse import check_key, parse_text_release
from tests.support import SAMPLE, SEEDS

ZWNJ = "\u200c"


def parse(text: str, key: str = "k1", encoding: str = "utf-8"):
    return parse_text_release(text.encode(encoding), key)


@pytest.fixture(scope="module")
def sample():
    result = parse_text_release(SAMPLE.read_bytes(), SAMPLE.stem)
    return result, normalize_release(result.release)


def test_sample_parses_to_exact_fields(sample):
    result, release = sample
    assert release.key == "000_44faba8da108bc04"
    assert release.published.jalali == "1392/12/20"
    assert rfc3339(release.published.instant) == "2014-03-11T12:00:00+03:30"
    assert release.kicker == f"منجم، رئیس اداره روابط عمومی و امور بین{ZWNJ}الملل شهرداری قزوین"
    assert release.title == (
        f"حمایت از فعالیت روابط عمومی{ZWNJ}ها موجب بروز خلاقیت{ZWNJ}کاری سازمان{ZWNJ}ها می{ZWNJ}شود"
    )
    assert release.lead == (
        f"حمایت مدیران ارشد سازمان از فعالیت روابط عمومی{ZWNJ}ها موجب بروز"
        f" خلاقیت{ZWNJ}کاری و کارآمدی و بالندگی سازمان می{ZWNJ}شود."
    )
    assert len(release.body) == 10
    assert release.body[0].startswith(f"رئیس اداره روابط عمومی و امور بین{ZWNJ}الملل شهرداری قزوین گفت:")
    assert release.body[-1].endswith("مورد نقد و بررسی قرار گرفت.")
    assert result.warnings == ()
    assert result.raw == SAMPLE.read_bytes()


@pytest.mark.parametrize(
    "word",
    [
        "سازمان‌های",
        "هم‌اندیشی",
        "مهم‌ترین",
        "برنامه‌های",
        "پروژه‌های",
        "دغدغه‌های",
        "مراسم‌های",
        "اطلاع‌رسانی",
        "روابط عمومی‌ها",
        "بین‌الملل",
    ],
)
def test_sample_body_has_restored_halfspaces(sample, word):
    assert word in " ".join(sample[1].body)


@pytest.mark.parametrize("word", ["بهای", "بیشتری", "سازمانی", "مهمی"])
def test_sample_body_words_that_end_like_suffixes_stay_whole(sample, word):
    body = " ".join(sample[1].body)
    assert f" {word} " in body
    assert [word[:i] + ZWNJ + word[i:] for i in range(1, len(word)) if word[:i] + ZWNJ + word[i:] in body] == []


def test_trailer_and_what_follows_it_are_dropped(sample):
    text = " ".join((sample[1].lead, *sample[1].body))
    assert "پایان" not in text and "تصاویر" not in text


@pytest.mark.parametrize(
    "name, kicker, title, paragraphs, when",
    [
        (
            "001_shahrdari_tehran_metro",
            "مدیرعامل شرکت بهره‌برداری متروی تهران",
            "خط ۱۰ متروی تهران تا پایان سال به بهره‌برداری می‌رسد",
            3,
            "2025-10-07T14:30:00+03:30",
        ),
        (
            "002_ostandari_qazvin_barf",
            None,
            "بارش برف راه ارتباطی 40 روستای استان قزوین را مسدود کرد",
            2,
            "2024-01-25T09:05:00+03:30",
        ),
        (
            "003_daneshgah_hamayesh",
            "دانشگاه صنعتی شریف",
            "همایش بین‌المللی هوش مصنوعی در دانشگاه صنعتی شریف برگزار می‌شود",
            3,
            "2024-10-13T12:00:00+03:30",
        ),
        (
            "004_havashenasi_garma",
            "مدیرکل هواشناسی استان خوزستان",
            "دمای هوای اهواز به 50 درجه می‌رسد",
            2,
            "2019-06-22T10:15:00+04:30",
        ),
        (
            "005_bimeh_salamat_nowruz",
            None,
            "خدمات بیمه سلامت در تعطیلات نوروز ادامه دارد",
            1,
            "2025-03-20T12:00:00+03:30",
        ),
    ],
)
def test_each_seed_variation_parses(name, kicker, title, paragraphs, when):
    result = parse_text_release((SEEDS / f"{name}.txt").read_bytes(), name)
    release = normalize_release(result.release)
    assert (release.kicker, release.title, len(release.body)) == (kicker, title, paragraphs)
    assert rfc3339(release.published.instant) == when
    assert result.warnings == ()


def test_utf16_seed_keeps_protected_spans_byte_for_byte():
    release = normalize_release(parse_text_release((SEEDS / "003_daneshgah_hamayesh.txt").read_bytes(), "k").release)
    body = "\n".join(release.body)
    for span in ("IEEE", "Springer", "18.5", "www.aiconf.sharif.ir", "1,250,000", "Deep Learning & NLP < Workshop >"):
        assert span in body
    assert "\x07" not in body and "\u200f" not in body and "\u0640" not in body


LAYOUT = "۱۳۹۲/۱۲/۲۰\n\n{0}"


@pytest.mark.parametrize(
    "text, kicker, title, lead, body",
    [
        # Colon kicker, blocks separated by blank lines.
        ("کیکر:\n\nتیتر\n\nلید.\n\nیک\nدو", "کیکر", "تیتر", "لید.", ("یک", "دو")),
        # No kicker: headline then a lead that ends like a sentence.
        ("تیتر خبر\n\nلید خبر.\n\nیک", None, "تیتر خبر", "لید خبر.", ("یک",)),
        # Colon-less kicker: two lone lines that do not end like sentences, then the lead.
        ("روتیتر\n\nتیتر\n\nلید.\nیک", "روتیتر", "تیتر", "لید.", ("یک",)),
        # Headline and lead in one block; body paragraphs split by blank lines; blank lines of NBSP.
        ("تیتر\nلید.\n\u00a0\nیک\n\n\nدو", None, "تیتر", "لید.", ("یک", "دو")),
        # Headline and lead only.
        ("تیتر\n\nلید", None, "تیتر", "لید", ()),
        # Trailer variants end the text.
        ("تیتر\n\nلید.\nیک\nانتهای پیام\nتصاویر مرتبط", None, "تیتر", "لید.", ("یک",)),
        ("تیتر\n\nلید.\nیک\nپايان پيام/\n", None, "تیتر", "لید.", ("یک",)),
        # Runs of spaces inside a line are folded; leading and trailing spaces dropped.
        ("  تیتر   خبر  \n\n لید. ", None, "تیتر خبر", "لید.", ()),
    ],
)
def test_layout_variations(text, kicker, title, lead, body):
    release = parse(LAYOUT.format(text)).release
    assert (release.kicker, release.title, release.lead, release.body) == (kicker, title, lead, body)


def test_crlf_and_leading_blank_lines_are_accepted():
    release = parse("\r\n\r\n۱۳۹۲/۱۲/۲۰\r\n\r\nتیتر\r\n\r\nلید.\r\n").release
    assert (release.title, release.lead) == ("تیتر", "لید.")


def test_windows_1256_release_parses():
    release = parse("1392/12/20\n\nتيتر خبر\n\nليد خبر.", encoding="cp1256").release
    assert (release.title, release.lead) == ("تيتر خبر", "ليد خبر.")


def test_utf16_with_bom_release_parses():
    raw = codecs.BOM_UTF16_BE + "1392/12/20\n\nتیتر\n\nلید.".encode("utf-16-be")
    assert parse_text_release(raw, "k").release.title == "تیتر"


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("۱۳۹۲/۱۲/۲۰\n", 1, "expected a headline after the date line, found nothing"),
        ("۱۳۹۲/۱۲/۲۰\n\nتیتر\n", 3, "expected a lead paragraph after the headline, found nothing"),
        (
            "\n\nتیتر\n\nلید.\n",
            3,
            "expected a Solar Hijri date line such as '۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or"
            " 'سه‌شنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰', found 'تیتر'",
        ),
        (
            "۱۳۹۲/۱۲/۳۰\n\nتیتر\n\nلید.",
            1,
            "1392/12/30 does not exist (1392 is not a leap year); expected a day from 1 to 29",
        ),
        ("\u00a0\n \n", None, "the file holds only blank lines; expected a release starting with a date line"),
        ("\u200f\u0640\n", None, "the file holds only blank lines; expected a release starting with a date line"),
        # The bounds of core/limits.py, each at the line that passes it.
        ("۱۳۹۲/۱۲/۲۰\n\n" + "ت" * 501 + "\n\nلید.", 3, "the headline is 501 characters long; at most 500 are allowed"),
        (
            "۱۳۹۲/۱۲/۲۰\n\n" + "ر" * 501 + ":\n\nتیتر\n\nلید.",
            3,
            "the kicker is 501 characters long; at most 500 are allowed",
        ),
        ("۱۳۹۲/۱۲/۲۰\n\nتیتر\n\n" + "ل" * 20_001, 5, "the lead is 20,001 characters long; at most 20,000 are allowed"),
        (
            "۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.\nیک.\n" + "ب" * 20_001,
            7,
            "the paragraph is 20,001 characters long; at most 20,000 are allowed",
        ),
        (
            "۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.\n" + "بند.\n" * 1_001,
            1_006,
            "the body holds 1,001 paragraphs; at most 1,000 are allowed",
        ),
    ],
)
def test_broken_release_is_an_error_with_its_line(text, line, message):
    with pytest.raises(ReleaseError) as caught:
        parse(text)
    assert [(p.line, p.message) for p in caught.value.problems] == [(line, message)]


def test_weekday_mismatch_is_a_warning_and_the_release_still_parses():
    result = parse("جمعه ۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.")
    assert result.release.title == "تیتر"
    assert [(w.line, w.message) for w in result.warnings] == [
        (1, "the date line says جمعه but 1392/12/20 is a سه‌شنبه; the date was kept and the weekday ignored")
    ]


@pytest.mark.parametrize("key", ["000_44faba8da108bc04", "a", "A-b_9", "x" * 128])
def test_safe_keys_are_accepted(key):
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["", "../etc", "a.b", "_a", "-a", "a b", "خبر", "a/b", "x" * 129, "a%20"])
def test_unsafe_keys_are_errors(key):
    with pytest.raises(ReleaseError) as caught:
        check_key(key)
    quoted = repr(key if len(key) <= 60 else key[:60] + "…")  # long input is cut in messages
    assert caught.value.problems[0].message == (
        f"key {quoted} is not allowed; expected 1-128 ASCII letters, digits, '_' or '-', starting with a letter or digit"
    )
