"""One FeedDoc → Atom 1.0, RSS 2.0 or JSON Feed 1.1 bytes; and a release → the HTML they carry.

Atom and RSS are built with feedgen 1.0.0, whose gaps are filled by two feedgen extensions of our
own (`_AtomFeedExtension`/`_AtomEntryExtension`, `_RssFeedExtension`/`_RssEntryExtension`,
registered per render) rather than by patching feedgen. What they work around:

- feedgen stamps feed and entry dates with "now" unless set: every date is set from the FeedDoc,
  and RSS dates are written by `rfc822` (so the output never depends on the clock or locale).
- `add_entry()` prepends by default: entries are appended, in the order the caller gave.
- Atom entry links lose rel/type/length (feedgen issue #135): the entry extension writes the
  alternate and enclosure links itself; feedgen's `FeedEntry.link()` is not used for Atom.
- The RSS channel `<link>` is the last link added: the feed extension sets it to `html_url`.
- RSS drops hub and archive links: the feed extension adds them as `atom:link` (+ `fh:archive`).
- feedgen's syndication extension (`sy:UpdatePeriod` case, `UpdateFrequency` None) is not used;
  `type='CDATA'` (invalid Atom) is not used: text is escaped by lxml.
- feedgen formats RSS dates by switching the process-wide locale: its one remaining call (the
  channel `lastBuildDate`, which cannot be switched off) runs under `_LOCALE_LOCK`.
- Characters XML 1.0 forbids make lxml raise: `_clean` strips them from every string first.

What the W3C Feed Validation Service's rules (rubys/feedvalidator) would still say, and why:
- RSS `fh:archive` on an archive page is an extension element the validator may report as
  unknown; RFC 5005 §4 defines it for any feed format, so it stays.
- RSS `atom:link` with rel current/prev-archive/next-archive: older validator builds only know
  self/hub-style rels and may warn; they are registered IANA relations (RFC 5005), so they stay.
- "Self reference doesn't match document location" depends on where the bytes are served;
  `self_url` comes from the web layer.

RELAX NG (RFC 4287 Appendix B): `<fh:archive/>` is a simpleExtensionElement (empty text is
text) and `media:content` a structuredExtensionElement (it has attributes). Both must be
outside the Atom namespace: built like feedgen's own unqualified elements they would serialize
as atom:content and fail the grammar.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .decode import xml_safe
from .feeddoc import FeedDoc, FeedEntry
from .jalali import format_jalali, machine_local, rfc3339
from .models import Image, PublishedAt, text_direction

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
MEDIA_NS = "http://search.yahoo.com/mrss/"  # Media RSS 1.5.1
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
HTML_TYPE = "text/html"
UNKNOWN_TYPE = "application/octet-stream"

# feedgen builds Atom elements in no namespace under a root carrying a literal xmlns attribute;
# ours must match (a "{Atom}link" here would serialize as ns0:link), and parse back as Atom.
ATOM_LINK = "link"

# The extension's attribute name on feedgen objects (fg.feedapp, fe.feedapp).
_EXT = "feedapp"

# feedgen.util.formatRFC2822 sets LC_ALL to C and back: two renders at once could each restore
# the other's temporary "C" and leave it. Serialising our renders prevents that; other code that
# reads the locale during those microseconds may still see "C" (the app does not rely on locale).
_LOCALE_LOCK = threading.Lock()

# RFC 822 §5.1 names; never the locale's (nor Persian) names.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Image types by file extension, when the release did not say: a fixed table rather than
# `mimetypes`, whose answers depend on the host's /etc/mime.types.
_IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "svg": "image/svg+xml",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
}

T = TypeVar("T")


# --- shared helpers -------------------------------------------------------------------------


def _clean_doc(doc: FeedDoc) -> FeedDoc:
    """The document with XML-forbidden characters removed; each entry cleaned once per process.

    Entries repeat across formats and renders (a feed changes one entry at a time), and
    walking every string of 50 entries costs more than rendering them.
    """
    entries = tuple(_clean_entry(entry) for entry in doc.entries)
    return dataclasses.replace(_clean(dataclasses.replace(doc, entries=())), entries=entries)


@functools.lru_cache(maxsize=4096)
def _clean_entry(entry: FeedEntry) -> FeedEntry:
    return _clean(entry)


def _clean(value: T) -> T:
    """The value with XML-forbidden characters removed from every string, recursively.

    Handles str, tuples and (frozen) dataclasses such as FeedDoc, FeedEntry and Image.
    """
    if isinstance(value, str):
        return xml_safe(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_clean(item) for item in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def rfc822(instant: datetime) -> str:
    """RSS 2.0 date: RFC 822 with a 4-digit year, English names and a numeric Tehran offset.

    E.g. `Tue, 11 Mar 2014 12:00:00 +0330`. Written by hand: strftime's %a/%b follow the locale.
    """
    local = machine_local(instant)
    offset = local.utcoffset()
    assert offset is not None  # machine_local always returns an aware datetime
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return (
        f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} {local.year:04d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} {sign}{hours:02d}{minutes:02d}"
    )


def _categories(fe: Any, entry: FeedEntry) -> None:
    """All of the entry's categories in one call: feedgen rebuilds its RSS list on every call,
    so one call per category costs the square of their number."""
    if entry.categories:
        fe.category([{"term": category} for category in entry.categories])


def _image_type(image: Image) -> str | None:
    """The image's media type: as declared, else guessed from the URL's file extension."""
    if image.type:
        return image.type
    path = urlsplit(image.url).path
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return _IMAGE_TYPES.get(extension)


def _feed_needs_author(doc: FeedDoc) -> bool:
    """RFC 4287 §4.1.1: a feed needs an author unless every entry has one (an empty feed too)."""
    return not doc.entries or not all(entry.author for entry in doc.entries)


# --- release HTML ---------------------------------------------------------------------------


def release_html(
    *,
    kicker: str | None,
    lead: str,
    body: tuple[str, ...],
    images: tuple[Image, ...],
    language: str,
    published: PublishedAt | None = None,
) -> str:
    """The full release as an HTML fragment for feed content, every text escaped.

    Direction and language ride on the wrapping div (`dir` survives feed readers' sanitizers,
    `style` does not, so there is none). First comes the release's own Jalali date (readers show
    only the Gregorian one they read from the feed's dates), in a `<time>` holding the exact
    instant. Blocks are separated by line breaks: readers that strip tags for a preview would
    otherwise glue the last word of one paragraph to the first of the next.
    """
    kicker, lead, body, images, language = _clean((kicker, lead, body, images, language))
    parts = [f'<div dir="{text_direction(language)}" lang="{_escape(language)}">']
    if published is not None:
        persian = "" if language.split("-")[0].lower() == "fa" else ' dir="rtl" lang="fa"'
        parts.append(
            f'<p class="date"{persian}><time datetime="{rfc3339(published.instant)}">'
            f"{_escape(format_jalali(published))}</time></p>"
        )
    if kicker:
        parts.append(f'<p class="kicker">{_escape(kicker)}</p>')
    parts.append(f"<p><strong>{_escape(lead)}</strong></p>")
    parts.extend(f"<p>{_escape(paragraph)}</p>" for paragraph in body)
    parts.extend(_figure(image) for image in images)
    return "\n".join(parts) + "\n</div>"


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _figure(image: Image) -> str:
    caption = image.caption or ""
    figcaption = f"<figcaption>{_escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{_escape(image.url)}" alt="{_escape(caption)}">{figcaption}</figure>'


# --- XML pieces shared by Atom and RSS ------------------------------------------------------


def _stylesheet_pi(root: etree._Element, href: str) -> None:
    """Put `<?xml-stylesheet type="text/css" href=…?>` before the root element.

    The pseudo-attribute is escaped like an attribute value (XML Stylesheet PI §3), which also
    keeps `?>` out of the PI.
    """
    value = href.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/css" href="{value}"'))


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _media(parent: etree._Element, images: tuple[Image, ...]) -> None:
    """Media RSS: a `media:thumbnail` of the first image (readers' cards), and `media:content`
    for each image.

    No `media:description`: feedparser reads it as the entry's summary (its issue #53), so a
    caption would replace the lead in every reader built on it. Captions are in the content.
    """
    if images:
        _sub(parent, f"{{{MEDIA_NS}}}thumbnail", url=images[0].url)
    for image in images:
        attributes = {"url": image.url, "medium": "image"}
        media_type = _image_type(image)
        if media_type:
            attributes["type"] = media_type
        if image.length is not None:
            attributes["fileSize"] = str(image.length)
        _sub(parent, f"{{{MEDIA_NS}}}content", **attributes)


def _archive_links(doc: FeedDoc) -> list[tuple[str, str]]:
    """RFC 5005 §2 and §4 links (rel, href) that are set, in a fixed order."""
    links = [
        ("current", doc.current_url),
        ("prev-archive", doc.prev_archive_url),
        ("next-archive", doc.next_archive_url),
    ]
    return [(rel, href) for rel, href in links if href]


def _namespaces(doc: FeedDoc, fmt: str) -> dict[str, str]:
    """Namespaces the extensions use, declared once on the root (only those in use)."""
    namespaces: dict[str, str] = {}
    if doc.is_archive:
        namespaces["fh"] = FH_NS
    if doc.deleted and fmt == "atom":
        namespaces["at"] = TOMBSTONES_NS
    if any(entry.images for entry in doc.entries):
        namespaces["media"] = MEDIA_NS
    return namespaces


def _serialize(fg: FeedGenerator, fmt: str) -> bytes:
    """feedgen's bytes: UTF-8 with an XML declaration, not pretty-printed (stable bytes)."""
    if fmt == "atom":
        return fg.atom_str(pretty=False, encoding="UTF-8", xml_declaration=True)
    with _LOCALE_LOCK:  # rss_str formats lastBuildDate by switching the process locale
        return fg.rss_str(pretty=False, encoding="UTF-8", xml_declaration=True)


def _generator(doc: FeedDoc) -> FeedGenerator:
    """A FeedGenerator with what Atom and RSS share (the caller registers its extension)."""
    fg = FeedGenerator()
    name, version, uri = doc.generator
    fg.generator(generator=name, version=version, uri=uri)
    fg.title(doc.title)
    fg.language(doc.language)
    fg.updated(machine_local(doc.updated))  # else feedgen says "now"
    return fg


def _extension(owner: Any) -> Any:
    return getattr(owner, _EXT)


# --- Atom -----------------------------------------------------------------------------------


class _AtomFeedExtension(BaseExtension):
    """Feed-level Atom additions feedgen lacks: the stylesheet PI and RFC 5005 `fh:archive`."""

    doc: FeedDoc

    def extend_ns(self) -> dict[str, str]:
        return _namespaces(self.doc, "atom")

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        if self.doc.stylesheet_url:
            _stylesheet_pi(feed, self.doc.stylesheet_url)
        if self.doc.is_archive:
            _sub(feed, f"{{{FH_NS}}}archive")  # RFC 5005 §4
        for deleted in self.doc.deleted:  # RFC 6721 §3: ref is the entry's atom:id
            _sub(feed, f"{{{TOMBSTONES_NS}}}deleted-entry", ref=deleted.id, when=rfc3339(deleted.when))
        return feed


class _AtomEntryExtension(BaseEntryExtension):
    """Entry links with rel/type/length (feedgen issue #135), Media RSS, and xml:lang."""

    entry: FeedEntry
    feed_language: str

    def extend_atom(self, element: etree._Element) -> etree._Element:
        entry = self.entry
        if entry.language != self.feed_language:
            element.set(XML_LANG, entry.language)  # RFC 4287 §2: inherited unless overridden
        _sub(element, ATOM_LINK, rel="alternate", type=HTML_TYPE, href=entry.url)
        for image in entry.images:
            _enclosure_link(element, image)
        _media(element, entry.images)
        return element


def _enclosure_link(parent: etree._Element, image: Image) -> None:
    """RFC 4287 §4.2.7.2 enclosure; type and length (§4.2.7.3, §4.2.7.6) only when known."""
    link = _sub(parent, ATOM_LINK, rel="enclosure", href=image.url)
    media_type = _image_type(image)
    if media_type:
        link.set("type", media_type)
    if image.length is not None:
        link.set("length", str(image.length))


def render_atom(doc: FeedDoc) -> bytes:
    """Atom 1.0 (RFC 4287) with RFC 5005 archive links and Media RSS images, UTF-8."""
    doc = _clean_doc(doc)
    fg = _generator(doc)
    fg.register_extension(_EXT, _AtomFeedExtension, _AtomEntryExtension, atom=True, rss=False)
    _extension(fg).doc = doc
    fg.id(doc.id)
    if doc.subtitle:
        fg.subtitle(doc.subtitle)
    # RFC 4287 §4.2.7.2; feed-level links keep rel/type in feedgen (only entry links lose them).
    fg.link(href=doc.html_url, rel="alternate", type=HTML_TYPE)
    fg.link(href=doc.self_url, rel="self", type=ATOM_TYPE)
    if doc.hub:
        fg.link(href=doc.hub, rel="hub")  # WebSub §4
    for rel, href in _archive_links(doc):
        fg.link(href=href, rel=rel, type=ATOM_TYPE)  # RFC 5005: same format as this document
    if doc.icon:
        fg.icon(doc.icon)
    if doc.logo:
        fg.logo(doc.logo)
    if doc.rights:
        fg.rights(doc.rights)
    if _feed_needs_author(doc):
        fg.author(name=doc.title)  # RFC 4287 §4.1.1: the publisher stands in
    for entry in doc.entries:
        _add_atom_entry(fg, doc, entry)
    return _serialize(fg, "atom")


def _add_atom_entry(fg: FeedGenerator, doc: FeedDoc, entry: FeedEntry) -> None:
    fe = fg.add_entry(order="append")  # the caller's order, not feedgen's default prepend
    extension = _extension(fe)
    extension.entry, extension.feed_language = entry, doc.language
    fe.id(entry.id)
    fe.title(entry.title)
    fe.published(machine_local(entry.published))
    fe.updated(machine_local(entry.updated))  # else feedgen says "now"
    if entry.author:
        fe.author(name=entry.author)
    _categories(fe, entry)
    fe.summary(entry.summary, type="text")
    fe.content(entry.content_html, type="html")  # escaped HTML; never type="CDATA"


# --- RSS ------------------------------------------------------------------------------------


class _RssFeedExtension(BaseExtension):
    """Channel fixes: the alternate link, our lastBuildDate, hub and archive links, fh:archive."""

    doc: FeedDoc

    def extend_ns(self) -> dict[str, str]:
        return {**_namespaces(self.doc, "rss"), "dc": DC_NS}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        doc = self.doc
        channel = rss.find("channel")
        assert channel is not None  # feedgen always writes it
        if doc.stylesheet_url:
            _stylesheet_pi(rss, doc.stylesheet_url)
        channel.find("link").text = doc.html_url  # feedgen puts the last link added here
        channel.find("lastBuildDate").text = rfc822(doc.updated)
        if doc.hub:
            _sub(channel, f"{{{ATOM_NS}}}link", rel="hub", href=doc.hub)
        for rel, href in _archive_links(doc):
            _sub(channel, f"{{{ATOM_NS}}}link", rel=rel, type=RSS_TYPE, href=href)
        if doc.is_archive:
            _sub(channel, f"{{{FH_NS}}}archive")  # RFC 5005 §4
        return rss


class _RssEntryExtension(BaseEntryExtension):
    """Item additions: pubDate (ours, not feedgen's), dc:creator, one enclosure, Media RSS."""

    entry: FeedEntry

    def extend_rss(self, item: etree._Element) -> etree._Element:
        entry = self.entry
        _sub(item, "pubDate", rfc822(entry.published))
        if entry.author:
            # RSS <author> must be an e-mail address; a name goes in dc:creator.
            _sub(item, f"{{{DC_NS}}}creator", entry.author)
        if entry.images:
            _rss_enclosure(item, entry.images[0])  # RSS 2.0 allows one enclosure per item
        _media(item, entry.images)
        return item


def _rss_enclosure(item: etree._Element, image: Image) -> None:
    """RSS 2.0 `<enclosure>`: url, length and type are all required ("0" if length unknown)."""
    length = str(image.length) if image.length is not None else "0"
    _sub(item, "enclosure", url=image.url, length=length, type=_image_type(image) or UNKNOWN_TYPE)


def render_rss(doc: FeedDoc) -> bytes:
    """RSS 2.0 with content:encoded, dc:creator, atom:link self/hub/archives and Media RSS."""
    doc = _clean_doc(doc)
    fg = _generator(doc)
    fg.register_extension(_EXT, _RssFeedExtension, _RssEntryExtension, atom=False, rss=True)
    _extension(fg).doc = doc
    fg.link(href=doc.html_url, rel="alternate")
    fg.link(href=doc.self_url, rel="self", type=RSS_TYPE)
    fg.description(doc.subtitle or doc.title)  # RSS 2.0: description is required
    if doc.ttl is not None:
        fg.ttl(doc.ttl)
    if doc.icon:  # RSS images are at most 144 pixels wide: the small square icon, not the logo
        fg.image(url=doc.icon, title=doc.title, link=doc.html_url)  # must match channel
    if doc.rights:
        fg.rights(doc.rights)  # → <copyright>
    for entry in doc.entries:
        _add_rss_item(fg, entry)
    return _serialize(fg, "rss")


def _add_rss_item(fg: FeedGenerator, entry: FeedEntry) -> None:
    fe = fg.add_entry(order="append")  # the caller's order, not feedgen's default prepend
    _extension(fe).entry = entry
    fe.title(entry.title)
    fe.link(href=entry.url)
    fe.guid(entry.id, permalink=False)  # a tag URI, not a URL to open
    # Readers treat RSS description as HTML: escape the plain-text summary so it shows as text.
    fe.description(_escape(entry.summary), isSummary=True)
    fe.content(entry.content_html, type="html")  # → content:encoded, escaped (never CDATA)
    _categories(fe, entry)


# --- JSON Feed ------------------------------------------------------------------------------


def render_json(doc: FeedDoc) -> bytes:
    """JSON Feed 1.1, UTF-8 (not ASCII-escaped), keys in a fixed order, with a final newline."""
    doc = _clean_doc(doc)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": doc.title,
        "home_page_url": doc.html_url,
        "feed_url": doc.self_url,
    }
    if doc.subtitle:
        feed["description"] = doc.subtitle
    # JSON Feed's `icon` is a large square image, `favicon` a small one: Atom's logo and icon.
    if doc.logo:
        feed["icon"] = doc.logo
    if doc.icon:
        feed["favicon"] = doc.icon
    feed["language"] = doc.language
    if doc.hub:
        feed["hubs"] = [{"type": "WebSub", "url": doc.hub}]
    if doc.prev_archive_url:
        feed["next_url"] = doc.prev_archive_url  # JSON Feed pages go to older items
    feed["expired"] = False
    feed["items"] = [_json_item(entry, doc.language) for entry in doc.entries]
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_item(entry: FeedEntry, feed_language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "summary": entry.summary,
        "content_html": entry.content_html,
        "date_published": rfc3339(entry.published),
        "date_modified": rfc3339(entry.updated),
    }
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.language != feed_language:
        item["language"] = entry.language
    if entry.images:
        item["image"] = entry.images[0].url
        item["attachments"] = [_json_attachment(image) for image in entry.images]
    return item


def _json_attachment(image: Image) -> dict[str, Any]:
    """A JSON Feed attachment; `mime_type` is required, so unknown types are octet-stream."""
    attachment: dict[str, Any] = {"url": image.url, "mime_type": _image_type(image) or UNKNOWN_TYPE}
    if image.caption:
        attachment["title"] = image.caption
    if image.length is not None:
        attachment["size_in_bytes"] = image.length
    return attachment


# --- formats --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFormat:
    """A feed format as served: its media type, its renderer, and the type a browser's
    navigation is sent (browsers show application/xml with the feed's stylesheet, but offer the
    feed types as downloads; JSON has no stylesheet)."""

    media_type: str
    render: Callable[[FeedDoc], bytes]
    browser_media_type: str | None = None


# By the name used in URLs (`/feed.atom`), in the order feeds are announced.
FORMATS = {
    "atom": FeedFormat(ATOM_TYPE, render_atom, "application/xml"),
    "rss": FeedFormat(RSS_TYPE, render_rss, "application/xml"),
    "json": FeedFormat("application/feed+json", render_json),
}
