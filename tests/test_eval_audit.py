"""Tests for eval/halfspace/audit.py: which counted articles the rule audit runs over."""

from __future__ import annotations

from eval.halfspace.audit import audited
from eval.halfspace.real.build import Article

ZWNJ = "\u200c"

# 58 Persian words with 10 half-spaces (172 per 1,000): long enough and half-spaced enough for the
# real-news sets (at least 30 words, 20 per 1,000).
SENTENCE = "سخنگوی وزارت امور خارجه در نشست خبری هفتگی خود درباره مذاکرات گفت که گفت‌وگوها ادامه دارد. "
ARTICLE = (SENTENCE * 3).replace("گفت که", "گفت که‌") + "تیم‌ها و استان‌ها و سازمان‌ها و برنامه‌ها امروز حاضر بودند."
OTHER = ARTICLE.replace("سخنگوی وزارت امور خارجه", "رئیس سازمان لیگ فوتبال").replace("مذاکرات", "مسابقات")


def test_the_audit_keeps_each_article_with_its_source_and_id() -> None:
    kept = audited([("varzesh3-1", "varzesh3-1:7", OTHER)], evaluated=[])
    assert kept == [Article("varzesh3-1", "varzesh3-1:7", OTHER)]


def test_the_audit_leaves_out_what_the_sets_leave_out() -> None:
    found = [
        ("fars-news-1", "fars-news-1:0", ARTICLE),  # repeats an evaluated article
        ("fars-news-1", "fars-news-1:1", "خبر کوتاه"),  # too few words
        ("fars-news-1", "fars-news-1:2", ARTICLE.replace(ZWNJ, "")),  # no half-space: the writer joins all
        ("varzesh3-1", "varzesh3-1:7", OTHER),
        ("varzesh3-2", "varzesh3-2:3", OTHER),  # a repeat of one kept before it
    ]
    evaluated = [Article("fars", "1", ARTICLE.replace("ی", "ي"))]
    assert [article.ident for article in audited(found, evaluated)] == ["varzesh3-1:7"]
