"""core.syndication: exact Atom / RSS / JSON Feed output, feedgen 1.0.0's pitfalls, validity.

Validity is checked three ways: the RFC 4287 RELAX NG grammar (tests/schemas/atom.rng),
feedparser (bozo == 0 and the exact values it reads), and assertions modelled on the rules of
the W3C Feed Validation Service (rubys/feedvalidator), which cannot be reached from here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import locale
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import feedgen.entry
import feedgen.feed
import feedparser
import lxml.html
import pytest
from lxml import etree

from feedapp.core import syndication
from feedapp.core.feeddoc import DeletedEntry, FeedDoc, FeedEntry
from feedapp.core.models import Image, PublishedAt
from feedapp.core.syndication import release_html, render_atom, render_json, render_rss

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "atom.rng"
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "fh": "http://purl.org/syndication/history/1.0",
    "media": "http://search.yahoo.com/mrss/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
UTC = dt.UTC
RENDERERS = {"atom": render_atom, "rss": render_rss, "json": render_json}
XML_RENDERERS = {"atom": render_atom, "rss": render_rss}

SITE = "https://press.example.ir"
KICKER = "منجم، رئیس اداره روابط عمومی و امور بین‌الملل شهرداری قزوین"
TITLE = "حمایت از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری سازمان‌ها می‌شود"
LEAD = "رئیس اداره روابط عمومی شهرداری قزوین گفت: حمایت از روابط عمومی‌ها خلاقیت می‌آورد."
BODY = ("بند نخست خبر.", "بند دوم خبر.")
SOURCE = "روابط عمومی شهرداری قزوین"
HOSTILE = "<script>alert(1)</script> ]]> & \x01 پایان"
HOSTILE_CLEAN = "<script>alert(1)</script> ]]> &  پایان"  # \x01 stripped
PHOTO = Image(url=f"{SITE}/media/a/1.jpg", caption="دیدار با خبرنگاران", type="image/jpeg", length=48213)
PLAIN_PHOTO = Image(url=f"{SITE}/media/a/2.png")  # no caption, type or length


def _entry(key: str, published: dt.datetime, **changes: object) -> FeedEntry:
    values: dict[str, object] = {
        "id": f"tag:press.example.ir,2014:release:{key}",
        "url": f"{SITE}/releases/{key}",
        "title": f"عنوان {key}",
        "summary": f"خلاصه {key}",
        "content_html": release_html(kicker=None, lead=f"خلاصه {key}", body=(), images=(), language="fa"),
        "published": published,
        "updated": published,
    }
    values.update(changes)
    return FeedEntry(**values)  # type: ignore[arg-type]


SAMPLE = _entry(
    "44faba8da108bc04",
    dt.datetime(2014, 3, 11, 8, 30, tzinfo=UTC),
    title=TITLE,
    summary=LEAD,
    author=SOURCE,
    categories=("شهرداری", "روابط عمومی"),
    content_html=release_html(kicker=KICKER, lead=LEAD, body=BODY, images=(), language="fa"),
)
SUMMER = _entry("summer", dt.datetime(2019, 6, 22, 5, 45, tzinfo=UTC))
# 1300/01/01 10:00 in Tehran, when its clock was local mean time (+03:25:44).
MEAN_TIME = _entry("meantime", dt.datetime(1921, 3, 21, 6, 34, 16, tzinfo=UTC))
WITH_IMAGES = _entry(
    "images",
    dt.datetime(2019, 6, 21, 9, 0, tzinfo=UTC),
    images=(PHOTO, PLAIN_PHOTO),
    content_html=release_html(kicker=None, lead="با عکس", body=(), images=(PHOTO, PLAIN_PHOTO), language="fa"),
)
ENGLISH = _entry(
    "english",
    dt.datetime(2019, 6, 20, 9, 0, tzinfo=UTC),
    title="Municipality news",
    summary="In English.",
    language="en",
    author="Qazvin municipality",
    content_html=release_html(kicker=None, lead="In English.", body=(), images=(), language="en"),
)
HOSTILE_ENTRY = _entry(
    "hostile",
    dt.datetime(2019, 6, 19, 9, 0, tzinfo=UTC),
    title=HOSTILE,
    summary=HOSTILE,
    author=HOSTILE,
    categories=(HOSTILE,),
    images=(Image(url=f"{SITE}/media/x.jpg?a=1&b=2", caption=HOSTILE),),
    content_html=release_html(
        kicker=HOSTILE,
        lead=HOSTILE,
        body=(HOSTILE,),
        images=(Image(url=f"{SITE}/x.jpg", caption=HOSTILE),),
        language="fa",
    ),
)


def make_doc(**changes: object) -> FeedDoc:
    """The subscription feed: newest first, as the caller sorts it."""
    values: dict[str, object] = {
        "id": "tag:press.example.ir,2014:feed",
        "title": "خبرهای روابط عمومی",
        "language": "fa",
        "updated": dt.datetime(2019, 6, 22, 5, 45, tzinfo=UTC),
        "self_url": f"{SITE}/feed.atom",
        "html_url": f"{SITE}/",
        "entries": (SUMMER, WITH_IMAGES, ENGLISH, SAMPLE),
        "generator": ("feedapp", "0.1.0", "https://github.com/feedapp/feedapp"),
        "subtitle": "اطلاعیه‌های مطبوعاتی",
        "icon": f"{SITE}/static/icon.png",
        "logo": f"{SITE}/static/logo.png",
        "rights": "© شهرداری قزوین",
        "ttl": 30,
        "hub": "https://hub.example.org/",
        "stylesheet_url": f"{SITE}/static/feed.css",
    }
    values.update(changes)
    return FeedDoc(**values)  # type: ignore[arg-type]


def make_archive(**changes: object) -> FeedDoc:
    """An RFC 5005 archive page between two others."""
    values: dict[str, object] = {
        "self_url": f"{SITE}/archive/2.atom",
        "current_url": f"{SITE}/feed.atom",
        "prev_archive_url": f"{SITE}/archive/1.atom",
        "next_archive_url": f"{SITE}/archive/3.atom",
        "is_archive": True,
        "entries": (WITH_IMAGES, SAMPLE),  # fh:archive and media:content
    }
    values.update(changes)
    return make_doc(**values)


DOCS = {
    "main": make_doc(),
    "archive": make_archive(),
    "empty": make_doc(
        entries=(), subtitle=None, icon=None, logo=None, rights=None, ttl=None, hub=None, stylesheet_url=None
    ),
    "hostile": make_doc(entries=(HOSTILE_ENTRY,), title=HOSTILE, subtitle=HOSTILE, rights=HOSTILE),
    "all_authored": make_doc(entries=(SAMPLE, ENGLISH)),
    "english_feed": make_doc(language="en", entries=(ENGLISH, SAMPLE)),
    "mean_time": make_doc(entries=(MEAN_TIME,), updated=MEAN_TIME.updated),
    "with_deletions": make_doc(
        deleted=(
            DeletedEntry(id="tag:press.example.ir,2014:release:gone", when=dt.datetime(2019, 6, 23, 8, 0, tzinfo=UTC)),
        )
    ),
}


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def atom(doc: FeedDoc) -> etree._Element:
    return parse(render_atom(doc))


def rss(doc: FeedDoc) -> etree._Element:
    return parse(render_rss(doc))


def atom_entry(doc: FeedDoc, entry: FeedEntry) -> etree._Element:
    (element,) = atom(doc).xpath("a:entry[a:id=$id]", namespaces=NS, id=entry.id)
    return element


def rss_item(doc: FeedDoc, entry: FeedEntry) -> etree._Element:
    (element,) = rss(doc).xpath("channel/item[guid=$id]", id=entry.id)
    return element


def attributes(elements: list[etree._Element]) -> list[dict[str, str]]:
    return [dict(element.attrib) for element in elements]


# --- release_html -----------------------------------------------------------------------------


SEED_DATE = PublishedAt(instant=dt.datetime(2014, 3, 11, 8, 30, tzinfo=UTC), jalali="1392/12/20", has_time=False)
SEED_DATE_HTML = '<p class="date"><time datetime="2014-03-11T12:00:00+03:30">سه‌شنبه ۲۰ اسفند ۱۳۹۲</time></p>'


def test_release_html_is_exact():
    html = release_html(
        kicker=KICKER, lead=LEAD, body=BODY, images=(PHOTO, PLAIN_PHOTO), language="fa", published=SEED_DATE
    )
    assert html == (
        f'<div dir="rtl" lang="fa">\n{SEED_DATE_HTML}\n<p class="kicker">{KICKER}</p>\n<p><strong>{LEAD}</strong></p>\n'
        f"<p>{BODY[0]}</p>\n<p>{BODY[1]}</p>\n"
        f'<figure><img src="{PHOTO.url}" alt="{PHOTO.caption}"><figcaption>{PHOTO.caption}</figcaption></figure>\n'
        f'<figure><img src="{PLAIN_PHOTO.url}" alt=""></figure>\n</div>'
    )


@pytest.mark.parametrize(
    ("published", "language", "date_html"),
    [
        (SEED_DATE, "fa", SEED_DATE_HTML),
        # With the release's time, in Tehran's offset of that day (+04:30 in summer 1398).
        (
            PublishedAt(dt.datetime(2019, 6, 22, 5, 45, tzinfo=UTC), "1398/04/01", True),
            "fa-IR",
            '<p class="date"><time datetime="2019-06-22T10:15:00+04:30">شنبه ۱ تیر ۱۳۹۸، ساعت ۱۰:۱۵</time></p>',
        ),
        # A release in another language keeps the Persian date line, marked as Persian.
        (SEED_DATE, "en", SEED_DATE_HTML.replace('class="date"', 'class="date" dir="rtl" lang="fa"')),
    ],
)
def test_release_html_starts_with_the_release_s_own_jalali_date(published, language, date_html):
    html = release_html(kicker=None, lead="x", body=(), images=(), language=language, published=published)
    assert html.split("\n")[1] == date_html


def test_text_previews_made_by_stripping_tags_keep_blocks_apart():
    # What Liferea's preview does: drop the tags. Adjacent paragraphs must not glue words together.
    html = release_html(
        kicker=KICKER,
        lead="پایان لید در تهران",
        body=("عملیات آغاز شد.", "مدیرعامل گفت."),
        images=(PHOTO,),
        language="fa",
        published=SEED_DATE,
    )
    words = re.sub(r"<[^>]+>", "", html).split()
    assert "تهران" in words and "عملیات" in words and "شد." in words and "مدیرعامل" in words
    assert words[-len(PHOTO.caption.split()) :] == PHOTO.caption.split()


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("fa", "rtl"),
        ("fa-IR", "rtl"),
        ("ar", "rtl"),
        ("ar-EG", "rtl"),
        ("ur", "rtl"),
        ("ps", "rtl"),
        ("ckb", "rtl"),
        ("ckb-IQ", "rtl"),
        ("he", "rtl"),
        ("FA", "rtl"),
        ("en", "ltr"),
        ("en-US", "ltr"),
        ("de", "ltr"),
        ("far", "ltr"),
    ],
)
def test_release_html_direction_follows_language(language, direction):
    root = lxml.html.fragment_fromstring(release_html(kicker=None, lead="x", body=(), images=(), language=language))
    assert (root.get("dir"), root.get("lang")) == (direction, language)


def test_release_html_without_kicker_starts_with_the_lead():
    html = release_html(kicker=None, lead="lead", body=(), images=(), language="en")
    assert html == '<div dir="ltr" lang="en">\n<p><strong>lead</strong></p>\n</div>'


def test_release_html_escapes_every_text_and_has_no_style():
    image = Image(url='https://x.example/a.jpg?a=1&b="2"', caption=HOSTILE)
    html = release_html(kicker=HOSTILE, lead=HOSTILE, body=(HOSTILE,), images=(image,), language="fa")
    root = lxml.html.fragment_fromstring(html)
    assert root.xpath("//script") == []
    assert root.xpath("//@style") == []
    assert [p.text_content() for p in root.xpath("//p")] == [HOSTILE_CLEAN] * 3
    assert root.xpath("//figcaption")[0].text == HOSTILE_CLEAN
    assert root.xpath("//img/@alt") == [HOSTILE_CLEAN]
    assert root.xpath("//img/@src") == [image.url]


# --- Atom: validity -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def relax_ng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


@pytest.mark.parametrize("name", DOCS)
def test_atom_validates_against_rfc4287_relax_ng(relax_ng, name):
    document = atom(DOCS[name])
    assert relax_ng.validate(document), relax_ng.error_log


def test_atom_relax_ng_check_is_not_vacuous(relax_ng):
    document = atom(make_doc())
    document.remove(document.find("a:id", NS))
    assert not relax_ng.validate(document)


# --- Atom: feed element ---------------------------------------------------------------------


def test_atom_feed_metadata_is_exact():
    doc = make_doc()
    feed = atom(doc)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fa"
    assert {
        child: feed.findtext(f"a:{child}", namespaces=NS)
        for child in ("id", "title", "subtitle", "updated", "icon", "logo", "rights")
    } == {
        "id": doc.id,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "updated": "2019-06-22T10:15:00+04:30",
        "icon": doc.icon,
        "logo": doc.logo,
        "rights": doc.rights,
    }
    (generator,) = feed.findall("a:generator", NS)
    assert (generator.text, dict(generator.attrib)) == (
        "feedapp",
        {"uri": "https://github.com/feedapp/feedapp", "version": "0.1.0"},
    )


def test_atom_feed_without_optional_fields_omits_them():
    feed = atom(DOCS["empty"])
    for child in ("subtitle", "icon", "logo", "rights"):
        assert feed.find(f"a:{child}", NS) is None
    assert [link.get("rel") for link in feed.findall("a:link", NS)] == ["alternate", "self"]


def test_atom_feed_links_are_exact_for_an_archive_page():
    doc = make_archive()
    links = attributes(atom(doc).findall("a:link", NS))
    assert links == [
        {"href": f"{SITE}/", "rel": "alternate", "type": "text/html"},
        {"href": f"{SITE}/archive/2.atom", "rel": "self", "type": "application/atom+xml"},
        {"href": "https://hub.example.org/", "rel": "hub"},
        {"href": f"{SITE}/feed.atom", "rel": "current", "type": "application/atom+xml"},
        {"href": f"{SITE}/archive/1.atom", "rel": "prev-archive", "type": "application/atom+xml"},
        {"href": f"{SITE}/archive/3.atom", "rel": "next-archive", "type": "application/atom+xml"},
    ]


@pytest.mark.parametrize(("doc", "archives"), [(make_archive(), 1), (make_doc(), 0)])
def test_atom_fh_archive_only_on_archive_pages(doc, archives):
    found = atom(doc).findall("fh:archive", NS)
    assert len(found) == archives
    assert all(element.text is None and not element.attrib for element in found)


@pytest.mark.parametrize(
    ("name", "authors"),
    [
        ("main", ["خبرهای روابط عمومی"]),  # SUMMER has no author: the feed title stands in
        ("empty", ["خبرهای روابط عمومی"]),
        ("all_authored", []),  # every entry has its own
    ],
)
def test_atom_feed_author_only_when_an_entry_lacks_one(name, authors):
    assert atom(DOCS[name]).xpath("a:author/a:name/text()", namespaces=NS) == authors


# --- Atom: entries --------------------------------------------------------------------------


def test_atom_sample_entry_is_exact():
    entry = atom_entry(make_doc(), SAMPLE)
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") is None  # same as the feed
    assert {
        child: entry.findtext(f"a:{child}", namespaces=NS)
        for child in ("id", "title", "published", "updated", "summary", "content")
    } == {
        "id": SAMPLE.id,
        "title": TITLE,
        "published": "2014-03-11T12:00:00+03:30",
        "updated": "2014-03-11T12:00:00+03:30",
        "summary": LEAD,
        "content": SAMPLE.content_html,
    }
    assert entry.find("a:summary", NS).get("type") == "text"
    assert entry.find("a:content", NS).get("type") == "html"
    assert entry.xpath("a:author/a:name/text()", namespaces=NS) == [SOURCE]
    assert attributes(entry.findall("a:category", NS)) == [{"term": "شهرداری"}, {"term": "روابط عمومی"}]
    assert attributes(entry.findall("a:link", NS)) == [{"rel": "alternate", "type": "text/html", "href": SAMPLE.url}]


def test_atom_content_html_keeps_kicker_before_lead_and_rtl_wrapper():
    content = atom_entry(make_doc(), SAMPLE).findtext("a:content", namespaces=NS)
    root = lxml.html.fragment_fromstring(content)
    assert (root.tag, root.get("dir"), root.get("lang")) == ("div", "rtl", "fa")
    assert [p.text_content() for p in root.findall("p")] == [KICKER, LEAD, *BODY]
    assert root.find("p").get("class") == "kicker"


@pytest.mark.parametrize(
    ("feed_language", "entry", "expected"),
    [
        ("fa", ENGLISH, "en"),
        ("fa", SAMPLE, None),
        ("en", ENGLISH, None),
        ("en", SAMPLE, "fa"),
    ],
)
def test_atom_entry_xml_lang_only_when_it_differs_from_the_feed(feed_language, entry, expected):
    doc = make_doc(language=feed_language)
    assert atom_entry(doc, entry).get("{http://www.w3.org/XML/1998/namespace}lang") == expected


@pytest.mark.parametrize(
    ("entry", "published"),
    [
        (SAMPLE, "2014-03-11T12:00:00+03:30"),  # winter: +03:30
        (SUMMER, "2019-06-22T10:15:00+04:30"),  # summer time until 2022: +04:30
    ],
)
def test_atom_dates_carry_the_tehran_offset_of_that_instant(entry, published):
    element = atom_entry(make_doc(), entry)
    assert element.findtext("a:published", namespaces=NS) == published
    assert element.findtext("a:updated", namespaces=NS) == published


def test_atom_enclosure_keeps_rel_type_and_length():
    links = attributes(atom_entry(make_doc(), WITH_IMAGES).findall("a:link", NS))
    assert links == [
        {"rel": "alternate", "type": "text/html", "href": WITH_IMAGES.url},
        {"rel": "enclosure", "href": PHOTO.url, "type": "image/jpeg", "length": "48213"},
        {"rel": "enclosure", "href": PLAIN_PHOTO.url, "type": "image/png"},  # type from the extension
    ]


def test_atom_elements_use_the_default_namespace_not_ns0_prefixes():
    # Entry links are added beside feedgen's elements; they must serialize like them.
    data = render_atom(make_doc())
    assert b"ns0:" not in data and b"xmlns:ns" not in data
    assert all(element.prefix is None for element in parse(data).iter("{http://www.w3.org/2005/Atom}*"))


def test_atom_enclosure_of_unknown_type_and_length_has_only_rel_and_href():
    image = Image(url=f"{SITE}/media/picture")
    entry = dataclasses.replace(SAMPLE, images=(image,))
    links = attributes(atom_entry(make_doc(entries=(entry,)), entry).findall("a:link[@rel='enclosure']", NS))
    assert links == [{"rel": "enclosure", "href": image.url}]


@pytest.mark.parametrize("render", [render_atom, render_rss], ids=["atom", "rss"])
def test_image_entries_have_a_thumbnail_and_media_content_for_every_image(render):
    root = parse(render(make_doc()))
    (entry,) = root.xpath("//*[local-name()='entry' or local-name()='item'][media:content]", namespaces=NS)
    assert attributes(entry.findall("media:thumbnail", NS)) == [{"url": PHOTO.url}]
    assert attributes(entry.findall("media:content", NS)) == [
        {"url": PHOTO.url, "medium": "image", "type": "image/jpeg", "fileSize": "48213"},
        {"url": PLAIN_PHOTO.url, "medium": "image", "type": "image/png"},
    ]
    # feedparser takes media:description for the entry's summary (its issue #53): none anywhere.
    assert root.xpath("//media:description", namespaces=NS) == []


@pytest.mark.parametrize("render", [render_atom, render_rss], ids=["atom", "rss"])
def test_feedparser_reads_the_lead_as_the_summary_of_an_entry_with_captioned_images(render):
    entry = {e.id: e for e in feedparser.parse(render(make_doc())).entries}[WITH_IMAGES.id]
    assert (entry.summary, entry.summary_detail.value) == (WITH_IMAGES.summary, WITH_IMAGES.summary)
    assert entry.media_thumbnail == [{"url": PHOTO.url}]


# --- RSS --------------------------------------------------------------------------------------


def test_rss_channel_link_is_html_url_not_the_last_link_added():
    doc = make_archive(self_url=f"{SITE}/archive/2.rss")
    assert rss(doc).findtext("channel/link") == doc.html_url


def test_rss_channel_metadata_is_exact():
    doc = make_doc(self_url=f"{SITE}/feed.rss")
    channel = rss(doc).find("channel")
    assert {
        child: channel.findtext(child)
        for child in (
            "title",
            "link",
            "description",
            "language",
            "lastBuildDate",
            "generator",
            "ttl",
            "copyright",
        )
    } == {
        "title": doc.title,
        "link": doc.html_url,
        "description": doc.subtitle,
        "language": "fa",
        "lastBuildDate": "Sat, 22 Jun 2019 10:15:00 +0430",
        "generator": "feedapp",
        "ttl": "30",
        "copyright": doc.rights,
    }
    # RSS 2.0 images are at most 144 pixels wide: the small square icon, not the large logo.
    assert [(child.tag, child.text) for child in channel.find("image")] == [
        ("url", doc.icon),
        ("title", doc.title),
        ("link", doc.html_url),
    ]


def test_rss_description_falls_back_to_title_and_optional_channel_elements_are_omitted():
    channel = rss(DOCS["empty"]).find("channel")
    assert channel.findtext("description") == DOCS["empty"].title
    for child in ("ttl", "image", "copyright"):
        assert channel.find(child) is None


def test_rss_keeps_hub_and_archive_links():
    doc = make_archive(
        self_url=f"{SITE}/archive/2.rss",
        current_url=f"{SITE}/feed.rss",
        prev_archive_url=f"{SITE}/archive/1.rss",
        next_archive_url=f"{SITE}/archive/3.rss",
    )
    channel = rss(doc).find("channel")
    links = [dict(link.attrib) for link in channel.findall("a:link", NS)]
    assert sorted(links, key=lambda link: link["rel"]) == sorted(
        [
            {"href": doc.self_url, "rel": "self", "type": "application/rss+xml"},
            {"href": "https://hub.example.org/", "rel": "hub"},
            {"href": f"{SITE}/feed.rss", "rel": "current", "type": "application/rss+xml"},
            {"href": f"{SITE}/archive/1.rss", "rel": "prev-archive", "type": "application/rss+xml"},
            {"href": f"{SITE}/archive/3.rss", "rel": "next-archive", "type": "application/rss+xml"},
        ],
        key=lambda link: link["rel"],
    )
    assert len(channel.findall("fh:archive", NS)) == 1


def test_rss_without_hub_or_archive_has_only_the_self_link():
    channel = rss(DOCS["empty"]).find("channel")
    assert [link.get("rel") for link in channel.findall("a:link", NS)] == ["self"]
    assert channel.findall("fh:archive", NS) == []


@pytest.mark.parametrize(
    ("entry", "pub_date"),
    [
        (SAMPLE, "Tue, 11 Mar 2014 12:00:00 +0330"),
        (SUMMER, "Sat, 22 Jun 2019 10:15:00 +0430"),
        (MEAN_TIME, "Mon, 21 Mar 1921 06:34:16 +0000"),  # +03:25:44 has no RFC 822 form: UTC, exact
    ],
)
def test_rss_pubdate_is_rfc822_with_english_names_and_numeric_tehran_offset(entry, pub_date):
    assert rss_item(make_doc(entries=(entry,)), entry).findtext("pubDate") == pub_date


def test_instants_of_tehran_mean_time_are_written_exactly_in_utc():
    # Before 1935 Tehran's offset was +03:25:44: not expressible in RFC 3339 or RFC 822.
    doc = DOCS["mean_time"]
    entry = atom_entry(doc, MEAN_TIME)
    assert [entry.findtext(f"a:{name}", namespaces=NS) for name in ("published", "updated")] == [
        "1921-03-21T06:34:16+00:00"
    ] * 2
    assert atom(doc).findtext("a:updated", namespaces=NS) == "1921-03-21T06:34:16+00:00"
    assert rss(doc).findtext("channel/lastBuildDate") == "Mon, 21 Mar 1921 06:34:16 +0000"
    (item,) = json_feed(doc)["items"]
    assert (item["date_published"], item["date_modified"]) == ("1921-03-21T06:34:16+00:00",) * 2


def test_rss_sample_item_is_exact():
    item = rss_item(make_doc(), SAMPLE)
    assert {
        child: item.findtext(child, namespaces=NS)
        for child in (
            "title",
            "link",
            "guid",
            "description",
            "content:encoded",
            "dc:creator",
        )
    } == {
        "title": TITLE,
        "link": SAMPLE.url,
        "guid": SAMPLE.id,
        "description": LEAD,
        "content:encoded": SAMPLE.content_html,
        "dc:creator": SOURCE,
    }
    assert item.find("guid").attrib == {"isPermaLink": "false"}
    assert item.xpath("category/text()") == ["شهرداری", "روابط عمومی"]
    assert item.findall("enclosure") == []
    assert item.find("author") is None  # RSS author must be an e-mail address: dc:creator instead


def test_rss_first_image_only_is_the_enclosure():
    item = rss_item(make_doc(), WITH_IMAGES)
    assert attributes(item.findall("enclosure")) == [{"url": PHOTO.url, "length": "48213", "type": "image/jpeg"}]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (Image(url=f"{SITE}/a.JPG"), {"length": "0", "type": "image/jpeg"}),
        (Image(url=f"{SITE}/a.webp?size=large"), {"length": "0", "type": "image/webp"}),
        (Image(url=f"{SITE}/a.png", type="image/x-custom", length=7), {"length": "7", "type": "image/x-custom"}),
        (Image(url=f"{SITE}/picture"), {"length": "0", "type": "application/octet-stream"}),
        (Image(url=f"{SITE}/dir.v2/picture"), {"length": "0", "type": "application/octet-stream"}),
    ],
)
def test_rss_enclosure_has_required_length_and_type(image, expected):
    entry = dataclasses.replace(SAMPLE, images=(image,))
    (enclosure,) = rss_item(make_doc(entries=(entry,)), entry).findall("enclosure")
    assert dict(enclosure.attrib) == {"url": image.url, **expected}


def test_rss_summary_is_escaped_so_html_readers_show_it_as_text():
    item = rss_item(DOCS["hostile"], HOSTILE_ENTRY)
    assert item.findtext("description") == "&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp;  پایان"


# --- feedgen pitfalls -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RENDERERS)
def test_output_is_deterministic(fmt):
    render = RENDERERS[fmt]
    first = render(make_doc())
    assert render(make_doc()) == first  # an equal doc, built anew
    assert render(make_doc()) == render(make_doc())


class _AnyDatetime(type):
    # feedgen checks isinstance(value, datetime) against the name we replace: keep that true.
    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, dt.datetime)


class _FrozenFuture(metaclass=_AnyDatetime):
    """A clock that says 2099: if feedgen's "now" defaults leaked, 2099 would show up."""

    @staticmethod
    def now(tz: dt.tzinfo | None = None) -> dt.datetime:
        return dt.datetime(2099, 1, 2, 3, 4, 5, tzinfo=tz or UTC)


@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_no_now_anywhere_even_when_the_clock_moves(monkeypatch, fmt):
    render = XML_RENDERERS[fmt]
    before = render(make_doc())
    monkeypatch.setattr(feedgen.feed, "datetime", _FrozenFuture)
    monkeypatch.setattr(feedgen.entry, "datetime", _FrozenFuture)
    after = render(make_doc())
    assert after == before
    assert b"2099" not in after


@pytest.mark.parametrize("fmt", RENDERERS)
def test_entries_keep_the_order_given(fmt):
    doc = make_doc(entries=(SAMPLE, SUMMER, ENGLISH, WITH_IMAGES))  # not sorted by date on purpose
    data = RENDERERS[fmt](doc)
    if fmt == "json":
        ids = [item["id"] for item in json.loads(data)["items"]]
    elif fmt == "atom":
        ids = parse(data).xpath("a:entry/a:id/text()", namespaces=NS)
    else:
        ids = parse(data).xpath("channel/item/guid/text()")
    assert ids == [entry.id for entry in doc.entries]


@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_no_syndication_module_elements(fmt):
    data = XML_RENDERERS[fmt](make_doc())
    assert b"purl.org/rss/1.0/modules/syndication" not in data
    assert parse(data).xpath("//*[starts-with(name(), 'sy:')]") == []


@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_no_cdata_sections(fmt):
    data = XML_RENDERERS[fmt](DOCS["hostile"])
    assert b"<![CDATA[" not in data


@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_locale_is_unchanged_after_rendering(fmt):
    saved = locale.setlocale(locale.LC_ALL)
    try:
        # Anything but feedgen's temporary "C"; glibc (2.35+) always has C.UTF-8 built in.
        locale.setlocale(locale.LC_TIME, "C.UTF-8")
        before = (locale.setlocale(locale.LC_TIME), locale.setlocale(locale.LC_ALL))
        XML_RENDERERS[fmt](make_doc())
        assert (locale.setlocale(locale.LC_TIME), locale.setlocale(locale.LC_ALL)) == before
    finally:
        locale.setlocale(locale.LC_ALL, saved)


def test_concurrent_rss_renders_agree_and_leave_the_locale_alone():
    saved = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_TIME, "C.UTF-8")
        before = locale.setlocale(locale.LC_ALL)
        expected = render_rss(make_doc())
        results: list[bytes] = []

        def work() -> None:
            results.extend(render_rss(make_doc()) for _ in range(5))

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [expected] * 40
        assert locale.setlocale(locale.LC_ALL) == before
    finally:
        locale.setlocale(locale.LC_ALL, saved)


def test_rss_render_holds_the_module_lock_while_feedgen_switches_locale(monkeypatch):
    held: list[bool] = []
    original = feedgen.feed.formatRFC2822

    def spy(date):  # noqa: ANN001, ANN202 - feedgen's signature
        held.append(syndication._LOCALE_LOCK.locked())
        return original(date)

    monkeypatch.setattr(feedgen.feed, "formatRFC2822", spy)
    render_rss(make_doc())
    assert held and all(held)


FORBIDDEN = "\x00\x01\x08\x0b\x0c\x1f\x7f\x85\x9f\ud800\udfff\ufffe\uffff"  # C0, C1, surrogates, U+FFFE/F


@pytest.mark.parametrize("fmt", RENDERERS)
def test_forbidden_xml_characters_are_stripped_not_fatal(fmt):
    entry = dataclasses.replace(
        SAMPLE,
        title=f"a{FORBIDDEN}b",
        summary=f"c{FORBIDDEN}d",
        author=f"e{FORBIDDEN}f",
        categories=(f"g{FORBIDDEN}h",),
        content_html=f"<p>i{FORBIDDEN}j</p>",
        images=(Image(url=f"{SITE}/k.jpg", caption=f"l{FORBIDDEN}m"),),
    )
    doc = make_doc(entries=(entry,), title=f"n{FORBIDDEN}o", subtitle=f"p{FORBIDDEN}q")
    data = RENDERERS[fmt](doc)
    text = data.decode("utf-8")  # also proves no lone surrogate got through
    # The caption is in the content (and JSON Feed's attachment title), not in Atom/RSS metadata.
    for clean in ("ab", "cd", "ef", "gh", "<p>ij</p>" if fmt == "json" else "ij", "no", "pq"):
        assert clean in text
    assert ("lm" in text) == (fmt == "json")
    if fmt != "json":
        parse(data)


# --- hostile text -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_hostile_text_is_escaped_and_survives_as_text(fmt):
    data = RENDERERS[fmt](DOCS["hostile"])
    if fmt == "json":
        item = json.loads(data)["items"][0]
        title, content = item["title"], item["content_html"]
    else:
        root = parse(data)
        if fmt == "atom":
            title = root.findtext("a:entry/a:title", namespaces=NS)
            content = root.findtext("a:entry/a:content", namespaces=NS)
        else:
            title = root.findtext("channel/item/title")
            content = root.findtext("channel/item/content:encoded", namespaces=NS)
    assert title == HOSTILE_CLEAN  # "]]>", "&" and "<script>" are text
    html = lxml.html.fragment_fromstring(content)
    assert html.xpath("//script") == []
    assert [p.text_content() for p in html.xpath("//p")] == [HOSTILE_CLEAN] * 3
    assert html.xpath("//figcaption")[0].text == HOSTILE_CLEAN


# --- browser view ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_stylesheet_pi_follows_the_xml_declaration(fmt):
    data = XML_RENDERERS[fmt](make_doc(stylesheet_url=f"{SITE}/static/feed.css?v=1&x=2"))
    declaration, rest = data.split(b"\n", 1)
    assert declaration == b"<?xml version='1.0' encoding='UTF-8'?>"
    assert rest.startswith(
        b'<?xml-stylesheet type="text/css" href="https://press.example.ir/static/feed.css?v=1&amp;x=2"?>'
    )


@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_no_stylesheet_pi_without_stylesheet_url(fmt):
    data = XML_RENDERERS[fmt](make_doc(stylesheet_url=None))
    assert b"xml-stylesheet" not in data


def test_feed_css_styles_raw_atom_and_rss_for_rtl_readers():
    css = (Path(syndication.__file__).resolve().parent.parent / "static" / "feed.css").read_text("utf-8")
    rule = re.search(r"feed, rss \{(.*?)\}", css, re.S)
    assert rule is not None
    assert "direction: rtl" in rule.group(1) and "display: block" in rule.group(1)
    assert '"Vazirmatn", "Noto Naskh Arabic"' in rule.group(1)
    assert "feed *, rss * { display: none; }" in css  # ids, raw content and links hidden
    for shown in (
        "entry > title",
        "item > title",
        "entry > summary",
        "item > description",
        "entry > published",
        "item > pubDate",
    ):
        assert shown in css
    assert "@import" not in css and "url(" not in css  # nothing fetched from elsewhere


# --- feedparser -------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "self_url"), [("atom", f"{SITE}/feed.atom"), ("rss", f"{SITE}/feed.rss")])
def test_feedparser_reads_the_sample_entry_exactly(fmt, self_url):
    parsed = feedparser.parse(XML_RENDERERS[fmt](make_doc(self_url=self_url)))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == "خبرهای روابط عمومی"
    assert parsed.feed.link == f"{SITE}/"
    (entry,) = [entry for entry in parsed.entries if entry.id == SAMPLE.id]
    assert (entry.title, entry.link, entry.id) == (TITLE, SAMPLE.url, SAMPLE.id)
    assert tuple(entry.published_parsed)[:6] == (2014, 3, 11, 8, 30, 0)  # feedparser gives UTC
    assert entry.summary == LEAD
    assert entry.author == SOURCE
    assert [tag.term for tag in entry.tags] == ["شهرداری", "روابط عمومی"]
    assert [entry.id for entry in parsed.entries] == [e.id for e in make_doc().entries]


@pytest.mark.parametrize("name", DOCS)
@pytest.mark.parametrize("fmt", XML_RENDERERS)
def test_feedparser_is_not_bozo_for_any_document(name, fmt):
    parsed = feedparser.parse(XML_RENDERERS[fmt](DOCS[name]))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == {"atom": "atom10", "rss": "rss20"}[fmt]


def test_feedparser_reads_atom_enclosures():
    parsed = feedparser.parse(render_atom(make_doc()))
    (entry,) = [entry for entry in parsed.entries if entry.id == WITH_IMAGES.id]
    assert [(e.href, e.type, e.get("length")) for e in entry.enclosures] == [
        (PHOTO.url, "image/jpeg", "48213"),
        (PLAIN_PHOTO.url, "image/png", None),
    ]


# --- JSON Feed 1.1 ----------------------------------------------------------------------------


def json_feed(doc: FeedDoc) -> dict:
    return json.loads(render_json(doc))


def test_json_feed_top_level_is_exact():
    doc = make_archive(self_url=f"{SITE}/archive/2.json")
    feed = json_feed(doc)
    assert {key: value for key, value in feed.items() if key != "items"} == {
        "version": "https://jsonfeed.org/version/1.1",
        "title": doc.title,
        "home_page_url": doc.html_url,
        "feed_url": doc.self_url,
        "description": doc.subtitle,
        "icon": doc.logo,
        "favicon": doc.icon,
        "language": "fa",
        "hubs": [{"type": "WebSub", "url": "https://hub.example.org/"}],
        "next_url": f"{SITE}/archive/1.atom",  # older items: RFC 5005 prev-archive
        "expired": False,
    }


def test_json_feed_without_optional_fields_has_only_required_and_language():
    feed = json_feed(DOCS["empty"])
    assert feed == {
        "version": "https://jsonfeed.org/version/1.1",
        "title": DOCS["empty"].title,
        "home_page_url": f"{SITE}/",
        "feed_url": f"{SITE}/feed.atom",
        "language": "fa",
        "expired": False,
        "items": [],
    }


def test_json_sample_item_is_exact():
    (item,) = [item for item in json_feed(make_doc())["items"] if item["id"] == SAMPLE.id]
    assert item == {
        "id": SAMPLE.id,
        "url": SAMPLE.url,
        "title": TITLE,
        "summary": LEAD,
        "content_html": SAMPLE.content_html,
        "date_published": "2014-03-11T12:00:00+03:30",
        "date_modified": "2014-03-11T12:00:00+03:30",
        "authors": [{"name": SOURCE}],
        "tags": ["شهرداری", "روابط عمومی"],
    }


def test_json_item_language_image_and_attachments():
    items = {item["id"]: item for item in json_feed(make_doc())["items"]}
    assert items[ENGLISH.id]["language"] == "en"
    assert "language" not in items[SAMPLE.id]
    with_images = items[WITH_IMAGES.id]
    assert with_images["image"] == PHOTO.url
    assert with_images["attachments"] == [
        {"url": PHOTO.url, "mime_type": "image/jpeg", "title": PHOTO.caption, "size_in_bytes": 48213},
        {"url": PLAIN_PHOTO.url, "mime_type": "image/png"},
    ]


def test_json_is_utf8_not_ascii_escaped_with_a_trailing_newline():
    data = render_json(make_doc())
    assert data.endswith(b"}\n")
    assert TITLE.encode("utf-8") in data
    assert b"\\u06" not in data


@pytest.mark.parametrize("name", DOCS)
def test_json_feed_has_the_fields_the_spec_requires(name):
    # JSON Feed 1.1: version, title, items; each item an id (string); content_html or
    # content_text; attachments need url and mime_type; dates RFC 3339.
    feed = json_feed(DOCS[name])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and isinstance(feed["items"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item
        for key in ("date_published", "date_modified"):
            assert dt.datetime.fromisoformat(item[key]).utcoffset() is not None
        for attachment in item.get("attachments", []):
            assert {"url", "mime_type"} <= attachment.keys()


# --- W3C Feed Validation Service rules (rubys/feedvalidator), as assertions ------------------

RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
# RFC 3987: a scheme, then no characters an IRI cannot hold.
IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$')


def _rss_docs() -> list[FeedDoc]:
    return [dataclasses.replace(doc, self_url=doc.self_url.replace(".atom", ".rss")) for doc in DOCS.values()]


@pytest.mark.parametrize("doc", _rss_docs(), ids=list(DOCS))
def test_w3c_rss_rules(doc):
    channel = rss(doc).find("channel")
    for required in ("title", "link", "description"):  # RSS 2.0: required channel elements
        assert channel.findtext(required), required
    self_links = channel.xpath("a:link[@rel='self']", namespaces=NS)
    assert attributes(self_links) == [{"href": doc.self_url, "rel": "self", "type": "application/rss+xml"}]
    assert RFC822.match(channel.findtext("lastBuildDate"))
    image = channel.find("image")
    if image is not None:  # image title and link must match the channel's
        assert (image.findtext("title"), image.findtext("link")) == (
            channel.findtext("title"),
            channel.findtext("link"),
        )
    guids = channel.xpath("item/guid/text()")
    assert len(guids) == len(set(guids))  # no duplicate guids
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        guid = item.find("guid")
        is_url = urlsplit(guid.text).scheme in ("http", "https")
        assert guid.get("isPermaLink") == ("true" if is_url else "false")
        assert len(item.findall("enclosure")) <= 1  # RSS allows one enclosure per item
        for enclosure in item.findall("enclosure"):
            assert set(enclosure.attrib) == {"url", "length", "type"}
            assert enclosure.get("length").isdigit()
        assert RFC822.match(item.findtext("pubDate"))
        assert item.find("author") is None  # would need an e-mail address


@pytest.mark.parametrize("doc", list(DOCS.values()), ids=list(DOCS))
def test_w3c_atom_rules(doc):
    feed = atom(doc)
    self_links = feed.xpath("a:link[@rel='self']", namespaces=NS)
    assert attributes(self_links) == [{"href": doc.self_url, "rel": "self", "type": "application/atom+xml"}]
    # Feed links: the (rel, type, hreflang) triple must be unique.
    triples = [
        (link.get("rel", "alternate"), link.get("type"), link.get("hreflang")) for link in feed.findall("a:link", NS)
    ]
    assert len(triples) == len(set(triples))
    assert IRI.match(feed.findtext("a:id", namespaces=NS))
    assert RFC3339.match(feed.findtext("a:updated", namespaces=NS))
    entries = feed.findall("a:entry", NS)
    ids = [entry.findtext("a:id", namespaces=NS) for entry in entries]
    assert len(ids) == len(set(ids))  # DuplicateEntries
    feed_has_author = feed.find("a:author", NS) is not None
    for entry in entries:
        assert IRI.match(entry.findtext("a:id", namespaces=NS))
        assert entry.findtext("a:title", namespaces=NS)
        for date in ("published", "updated"):
            assert RFC3339.match(entry.findtext(f"a:{date}", namespaces=NS))
        assert feed_has_author or entry.find("a:author", NS) is not None
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in entry.findall("a:link", NS)
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)) == 1  # one alternate per type
        for link in entry.findall("a:link[@rel='enclosure']", NS):
            assert link.get("length") is None or link.get("length").isdigit()
        for description in entry.xpath("media:content/media:description", namespaces=NS):
            assert description.get("type") in ("plain", "html")
    if not entries:
        assert feed_has_author


@pytest.mark.parametrize("render", [render_atom, render_rss], ids=["atom", "rss"])
def test_categories_reach_feedgen_in_one_call_so_rendering_is_linear(render, monkeypatch):
    # feedgen rebuilds an entry's whole RSS category list on each category() call: one call per
    # category made 25,000 categories take the feeds down (render time ∝ their square).
    from feedgen.entry import FeedEntry as FeedgenEntry

    calls: list[int] = []
    original = FeedgenEntry.category

    def counted(self, category=None, replace=False, **kwargs):  # noqa: ANN001, ANN202
        calls.append(len(category) if isinstance(category, list) else 1)
        return original(self, category, replace, **kwargs)

    monkeypatch.setattr(FeedgenEntry, "category", counted)
    categories = tuple(f"دسته {n}" for n in range(50))
    root = parse(
        render(make_doc(entries=(_entry("many", dt.datetime(2019, 6, 22, tzinfo=UTC), categories=categories),)))
    )
    assert calls == [50]
    terms = root.xpath("//a:category/@term", namespaces=NS) or root.xpath("//item/category/text()")
    assert terms == list(categories)


def test_atom_announces_retracted_entries_with_rfc6721_tombstones():
    root = atom(DOCS["with_deletions"])
    tombstones = root.findall("{http://purl.org/atompub/tombstones/1.0}deleted-entry")
    assert attributes(tombstones) == [
        {"ref": "tag:press.example.ir,2014:release:gone", "when": "2019-06-23T12:30:00+04:30"}
    ]
    assert root.nsmap["at"] == "http://purl.org/atompub/tombstones/1.0"
    assert "at" not in atom(make_doc()).nsmap  # declared only when used


@pytest.mark.parametrize("fmt", ["rss", "json"])
def test_rss_and_json_feed_have_no_tombstones(fmt):
    # Neither format has a way to say an item left: readers keep it (README, "Retractions").
    assert b"deleted-entry" not in RENDERERS[fmt](DOCS["with_deletions"])
    assert b"tombstones" not in RENDERERS[fmt](DOCS["with_deletions"])
