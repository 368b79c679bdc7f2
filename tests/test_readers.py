"""Real feed readers against real gunicorn serving feedapp, run as their users run them.

newsboat, rss2email, sfeed and the `reader` library each subscribe to the Atom and the RSS feed
of their own category (so one test's ingest and retraction reach only its reader's feeds), and
each test asserts what its reader stored, shows or mailed, exactly:

- every release arrives with its exact title, link, id and instant (in the reader's own form);
- the preview is the lead, and text made from the HTML never glues the last word of one block
  to the first word of the next;
- a poll with nothing new is a conditional request answered 304, and a poll after one more
  release is ingested (gunicorn running on) brings exactly that release;
- what the reader does once a release is retracted.

What the readers sent and got is read from gunicorn's access log (request headers included), not
from what they say they did. One gunicorn and one ingest of the starting releases per module;
each test ingests one more release with the real `feedapp ingest` and retracts one.

Programs: Debian's newsboat, rss2email, sfeed, lynx (sfeed_content's HTML viewer) and tmux
(newsboat's article view is interactive); PyPI's reader. A missing one fails its test with the
package to install.
"""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import json
import mailbox
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from feedapp import store
from feedapp.engine import Engine
from tests.support import BIN, ROOT, feedapp, fetch, free_port, upgraded

SITE = "https://news.example.ir"
SITE_TITLE = "اخبار شهر"
FORMATS = ("atom", "rss")
ME = "you@example.org"
IMAGE_URL = "https://news.example.ir/media/a.jpg"
IMAGE_CAPTION = "کاروان ایران در پاریس"

# Each reader's own category: its feeds hold only its releases.
CATEGORIES = {"newsboat": "شهری", "rss2email": "ورزش", "sfeed": "اقتصاد", "reader": "فرهنگ"}

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DELETED_ENTRY = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"  # RFC 6721

# Request line, status, the conditional and delta request headers, the response's validators,
# User-Agent (tab-separated; gunicorn writes "-" for a header that is absent).
ACCESS_LOG_FORMAT = "\t".join(
    [
        "%(r)s",
        "%(s)s",
        "%({if-none-match}i)s",
        "%({if-modified-since}i)s",
        "%({a-im}i)s",
        "%({etag}o)s",
        "%({last-modified}o)s",
        "%({user-agent}i)s",
    ]
)


# --- releases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """A JSON release as sent, and what readers should make of it.

    The text is chosen so that the Persian normalizer leaves it as it is (half-spaces already in
    place); the `site` fixture checks that against the store. `jalali` is the date line feedapp
    writes atop the entry's HTML.
    """

    key: str
    published: str  # ISO 8601 with the Tehran offset of that date
    jalali: str
    title: str
    lead: str
    body: tuple[str, ...]
    category: str
    source: str | None = None
    image: bool = False

    @property
    def instant(self) -> datetime:
        return datetime.fromisoformat(self.published).astimezone(timezone.utc)

    @property
    def timestamp(self) -> int:
        return int(self.instant.timestamp())

    @property
    def id(self) -> str:
        return f"tag:news.example.ir,2026:release:{self.key}"

    @property
    def url(self) -> str:
        return f"{SITE}/releases/{self.key}"

    @property
    def blocks(self) -> tuple[str, ...]:
        """The text blocks a reader shows, in order: date line, lead, body paragraphs."""
        return (self.jalali, self.lead, *self.body)

    def document(self) -> dict:
        document = {
            "key": self.key,
            "published": self.published,
            "title": self.title,
            "lead": self.lead,
            "body": list(self.body),
            "categories": [self.category],
        }
        if self.source:
            document["source"] = self.source
        if self.image:
            document["images"] = [{"url": IMAGE_URL, "caption": IMAGE_CAPTION}]
        return document


def releases(reader: str) -> dict[str, Release]:
    """The releases of one reader's category: three to start with, `new` ingested by its test."""
    category = CATEGORIES[reader]
    return {
        # The lead ends with تهران and the body starts with عملیات: "تهرانعملیات" is a glued preview.
        "metro": Release(
            f"{reader}-metro",
            "2024-03-11T14:30:00+03:30",
            "دوشنبه ۲۱ اسفند ۱۴۰۲، ساعت ۱۴:۳۰",
            "افتتاح خط هفت مترو",
            "خط هفت مترو امروز با حضور شهردار افتتاح شد در تهران",
            ("عملیات ساخت این خط پنج سال طول کشید", "مسافران از فردا می\u200cتوانند از این خط استفاده کنند"),
            category,
            source="روابط عمومی شهرداری",
        ),
        # Its image caption must never stand in for the lead (feedparser's media:description).
        "olympic": Release(
            f"{reader}-olympic",
            "2024-08-03T21:40:00+03:30",
            "شنبه ۱۳ مرداد ۱۴۰۳، ساعت ۲۱:۴۰",
            "بازگشت کاروان ایران از پاریس",
            "وزیر ورزش از عملکرد کاروان ایران قدردانی کرد",
            ("مراسم استقبال در فرودگاه برگزار خواهد شد",),
            category,
            image=True,
        ),
        # Summer time (+04:30) in 2019: 05:45 UTC.
        "garma": Release(
            f"{reader}-garma",
            "2019-06-22T10:15:00+04:30",
            "شنبه ۱ تیر ۱۳۹۸، ساعت ۱۰:۱۵",
            "هشدار گرمای هوا",
            "دمای هوای تهران فردا به چهل درجه می\u200cرسد",
            ("سازمان هواشناسی از شهروندان خواست در ساعات گرم بیرون نروند",),
            category,
        ),
        "new": Release(
            f"{reader}-barf",
            "2024-12-01T09:05:00+03:30",
            "یک\u200cشنبه ۱۱ آذر ۱۴۰۳، ساعت ۰۹:۰۵",
            "بارش برف در قزوین",
            "برف راه\u200cهای روستایی قزوین را بست",
            ("راهداران از صبح مشغول بازگشایی راه\u200cها هستند",),
            category,
        ),
    }


def starting(reader: str) -> list[Release]:
    return [release for name, release in releases(reader).items() if name != "new"]


# --- the site: database, gunicorn with an access log ---------------------------------------


@dataclass(frozen=True)
class Hit:
    """One request as gunicorn logged it."""

    method: str
    path: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    a_im: str | None
    etag: str | None  # the response's
    last_modified: str | None  # the response's
    user_agent: str | None


class AccessLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _hits(self) -> list[Hit]:
        if not self.path.exists():
            return []
        hits = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            request, status, *headers = line.split("\t")
            method, path, _protocol = request.split(" ")
            values = [None if value == "-" else value.replace('\\"', '"') for value in headers]
            hits.append(Hit(method, path, int(status), *values))
        return hits

    def mark(self) -> int:
        return len(self._hits())

    def since(self, mark: int, paths: list[str], count: int) -> list[Hit]:
        """The requests for `paths` logged after `mark` (ours, made with urllib, left out),
        once `count` of them are there: a worker logs a request just after answering it."""

        def hits() -> list[Hit]:
            return [
                hit
                for hit in self._hits()[mark:]
                if hit.path in paths and not (hit.user_agent or "").startswith("Python-urllib")
            ]

        deadline = time.monotonic() + 10
        while len(hits()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # and then none more than expected
        return hits()


@dataclass
class Site:
    folder: Path
    env: dict[str, str]
    log: AccessLog
    base: str = ""
    batches: int = 0

    def path(self, category: str, fmt: str) -> str:
        return f"/categories/{quote(category)}/feed.{fmt}"

    def feed_url(self, category: str, fmt: str) -> str:
        return self.base + self.path(category, fmt)

    def ingest(self, *releases: Release) -> None:
        """`feedapp ingest` of these releases as JSON files; each must be stored as sent."""
        self.batches += 1
        inbox = self.folder / f"inbox-{self.batches}"
        inbox.mkdir()
        for release in releases:
            (inbox / f"{release.key}.json").write_text(
                json.dumps(release.document(), ensure_ascii=False), encoding="utf-8"
            )
        result = feedapp(self.env, "ingest", str(inbox), check=False)
        assert result.returncode == 0, result.stderr
        assert sorted(result.stdout.splitlines()) == sorted(f"added {release.key}" for release in releases)
        engine = Engine(self.env["FEEDAPP_DATABASE_URL"])
        try:
            for release in releases:
                stored = store.get_release(engine, release.key).release
                sent = (release.title, release.lead, release.body, (release.category,), release.source, release.instant)
                kept = (
                    stored.title,
                    stored.lead,
                    tuple(stored.body),
                    tuple(stored.categories),
                    stored.source,
                    stored.published.instant.astimezone(timezone.utc),
                )
                assert kept == sent, f"the normalizer changed {release.key}: choose text it leaves as it is"
        finally:
            engine.dispose()

    def poll(self, paths: list[str], action: Callable[[], object]) -> list[Hit]:
        """Run `action` (one reader's poll, one request per path) and return its requests."""
        mark = self.log.mark()
        action()
        return self.log.since(mark, paths, len(paths))

    def retract(self, release: Release) -> None:
        engine = Engine(self.env["FEEDAPP_DATABASE_URL"])
        try:
            assert store.retract(engine, release.key, datetime.now(timezone.utc)) is not None
        finally:
            engine.dispose()

    def contents(self, category: str, fmt: str) -> dict[str, str]:
        """Entry id → the entry's HTML as the feed serves it (Atom content, RSS content:encoded)."""
        status, _headers, body = fetch(self.feed_url(category, fmt))
        assert status == 200
        root = ET.fromstring(body)
        if fmt == "atom":
            return {
                entry.findtext(f"{ATOM}id"): entry.findtext(f"{ATOM}content") for entry in root.iter(f"{ATOM}entry")
            }
        return {item.findtext("guid"): item.findtext(CONTENT_ENCODED) for item in root.iter("item")}

    def tombstones(self, category: str) -> set[str]:
        """The ids the category's Atom feed announces as deleted (RFC 6721 at:deleted-entry)."""
        status, _headers, body = fetch(self.feed_url(category, "atom"))
        assert status == 200
        return {element.get("ref") for element in ET.fromstring(body).iter(DELETED_ENTRY)}


@contextlib.contextmanager
def serving(env: dict[str, str], folder: Path) -> Iterator[str]:
    """gunicorn as tests.support.gunicorn runs it, plus an access log with request headers."""
    port = free_port()
    errors = folder / "gunicorn-errors.log"
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--access-logfile",
        str(folder / "access.log"),
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--error-logfile",
        str(errors),
        "wsgi:app",
    ]
    process = subprocess.Popen(
        command, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start: " + errors.read_text(errors="replace")) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("readers")
    url = upgraded(f"sqlite:///{folder / 'feedapp.sqlite3'}")
    env = {"FEEDAPP_DATABASE_URL": url, "FEEDAPP_SITE_URL": SITE, "FEEDAPP_SITE_TITLE": SITE_TITLE}
    site = Site(folder, env, AccessLog(folder / "access.log"))
    site.ingest(*(release for reader in CATEGORIES for release in starting(reader)))
    with serving(env, folder) as base:
        site.base = base
        yield site


# --- helpers --------------------------------------------------------------------------------


def need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.fail(
            f"{program} is not installed: apt-get install {package} (this test runs the real program)", pytrace=False
        )
    return path


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, start_new_session=True
    )
    assert result.returncode == 0, f"{shlex.join(command)}: {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def reader_env(home: Path) -> dict[str, str]:
    """The reader's own HOME, UTC and a UTF-8 locale (dates and Persian text as a user sees them)."""
    return {**os.environ, "HOME": str(home), "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def assert_unglued(text: str, release: Release) -> None:
    """Each block's last word and the next block's first word are apart, never glued."""
    for before, after in zip(release.blocks, release.blocks[1:]):
        last, first = before.split()[-1], after.split()[0]
        assert last + first not in text, f"{last}{first}: glued words in {text!r}"
        assert re.search(re.escape(last) + r"\W*\s\W*" + re.escape(first), text), (last, first, text)


def differences(got: dict, want: dict, where: str = "") -> list[str]:
    """What differs between two nested dicts, one line per leaf: readable where pytest's
    own diff of nested dicts shows only `...`."""
    lines = []
    for key in sorted(set(got) | set(want), key=str):
        here = f"{where}[{key!r}]"
        if key not in got or key not in want:
            lines.append(f"{here}: {'missing' if key not in got else 'unexpected'}")
        elif isinstance(got[key], dict) and isinstance(want[key], dict):
            lines += differences(got[key], want[key], here)
        elif got[key] != want[key]:
            lines.append(f"{here}: got {got[key]!r}, expected {want[key]!r}")
    return lines


def answered(hits: list[Hit]) -> list[tuple]:
    """Each request's path, status, If-None-Match, If-Modified-Since and A-IM, by path."""
    return sorted((hit.path, hit.status, hit.if_none_match, hit.if_modified_since, hit.a_im) for hit in hits)


def revalidated(previous: list[Hit], status: int, a_im: str | None = "feed") -> list[tuple]:
    """What `answered` gives for conditional requests made with the validators of `previous`."""
    return sorted((hit.path, status, hit.etag, hit.last_modified, a_im) for hit in previous)


def unconditional(paths: list[str], a_im: str | None = None) -> list[tuple]:
    return sorted((path, 200, None, None, a_im) for path in paths)


def rfc2822(instant: datetime) -> str:
    """The instant in UTC as e-mail and newsboat write it, without the zone: `Mon, 11 Mar 2024 11:00:00`."""
    return email.utils.format_datetime(instant.astimezone(timezone.utc))[:-6]


# --- newsboat -------------------------------------------------------------------------------


class Newsboat:
    """newsboat with its own urls file, config and cache (`-u`, `-C`, `-c`) in `home`."""

    def __init__(self, home: Path, urls: list[str]) -> None:
        self.program = need("newsboat", "newsboat")
        self.tmux = need("tmux", "tmux")  # for its article view (see articles)
        self.home = home
        home.mkdir()
        (home / "urls").write_text("".join(url + "\n" for url in urls), encoding="utf-8")
        (home / "config").write_text("confirm-exit no\n", encoding="utf-8")
        self.cache = home / "cache.db"
        self.env = reader_env(home)

    def command(self, *args: str) -> list[str]:
        return [
            self.program,
            "-u",
            str(self.home / "urls"),
            "-c",
            str(self.cache),
            "-C",
            str(self.home / "config"),
            *args,
        ]

    def reload(self) -> None:
        run(self.command("-x", "reload"), self.env, self.home)

    def items(self) -> dict[str, dict]:
        """guid → what newsboat keeps of the item (its cache's rss_item row)."""
        with contextlib.closing(sqlite3.connect(f"file:{self.cache}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT guid, title, url, pubDate, author, feedurl, content, enclosure_url,"
                " enclosure_type, unread, deleted FROM rss_item"
            ).fetchall()
        return {row["guid"]: dict(row) for row in rows}

    def articles(self, count: int) -> dict[str, str]:
        """Title → the article as newsboat shows it, saved with its `s` (save) command.

        newsboat renders HTML as text only in its interactive views: it runs in tmux, opens the
        feed, and saves each of the first `count` articles of the list to a file.
        """
        tmux = [self.tmux, "-S", str(self.home / "tmux.sock")]
        env = {**self.env, "TERM": "xterm-256color"}
        # Saved under a short path: newsboat cuts its status line ("Saved article to PATH") at
        # about 80 columns, and pytest's folders are longer under xdist (`popen-gw1/`).
        folder = Path(tempfile.mkdtemp(prefix="nb-"))
        variables = " ".join(shlex.quote(f"{name}={self.env[name]}") for name in ("HOME", "TZ", "LC_ALL"))
        run(
            [*tmux, "new-session", "-d", "-x", "200", "-y", "50", f"env {variables} {shlex.join(self.command())}"],
            env,
            self.home,
        )

        def keys(*keys: str, literal: bool = False) -> None:
            run([*tmux, "send-keys", *(["-l"] if literal else []), *keys], env, self.home)

        def wait(text: str) -> None:
            deadline = time.monotonic() + 15
            while True:
                screen = run([*tmux, "capture-pane", "-p"], env, self.home).stdout
                if text in screen:
                    return
                assert time.monotonic() < deadline, f"newsboat never showed {text!r}:\n{screen}"
                time.sleep(0.05)

        try:
            wait("Your feeds")
            keys("Enter")
            wait("Articles in feed")
            saved = {}
            for number in range(count):
                target = folder / f"{number}.txt"
                keys("s")
                wait("ENTER:Save")
                keys(*["BSpace"] * 80)  # the file name newsboat proposes
                keys(str(target), literal=True)
                keys("Enter")
                wait(f"Saved article to {target}")
                text = target.read_text(encoding="utf-8")
                saved[re.search(r"^Title: (.*)$", text, re.MULTILINE).group(1)] = text
                keys("Down")
            keys("q", "q")
            return saved
        finally:
            subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)
            shutil.rmtree(folder)


def newsboat_item(release: Release, feed_url: str, content: str) -> dict:
    return {
        "guid": release.id,
        "title": release.title,
        "url": release.url,
        "pubDate": release.timestamp,
        "author": release.source or "",
        "feedurl": feed_url,
        "content": content,
        # newsboat keeps only podcast enclosures (audio, video), not an image.
        "enclosure_url": "",
        "enclosure_type": "",
        "unread": 1,
        "deleted": 0,
    }


def newsboat_article(release: Release, feed_title: str) -> str:
    """An article as newsboat shows (and saves) it: headers, then each block apart."""
    author = f"Author: {release.source}\n" if release.source else ""
    text = (
        f"Feed: {feed_title}\nTitle: {release.title}\n{author}Date: {rfc2822(release.instant)} +0000\n"
        f"Link: {release.url}\n \n" + "\n \n".join(release.blocks)
    )
    if release.image:  # the image as a numbered link, then its caption
        text += f"\n[image 1]{IMAGE_CAPTION} \n \nLinks: \n[1]: {IMAGE_URL} (image)"
    return text + "\n\n"


def test_newsboat_keeps_every_release_with_its_instant_and_text_polls_with_304s_and_keeps_a_retracted_one(
    site: Site, tmp_path: Path
) -> None:
    ours = releases("newsboat")
    category = CATEGORIES["newsboat"]
    urls = {fmt: site.feed_url(category, fmt) for fmt in FORMATS}
    paths = [site.path(category, fmt) for fmt in FORMATS]
    # One cache per format: in one cache, newsboat keeps one item per id (see the end).
    boats = {fmt: Newsboat(tmp_path / fmt, [urls[fmt]]) for fmt in FORMATS}

    def poll() -> list[Hit]:
        return site.poll(paths, lambda: [boat.reload() for boat in boats.values()])

    def items() -> dict[str, dict[str, dict]]:
        return {fmt: boat.items() for fmt, boat in boats.items()}

    def expected(shown: list[Release]) -> dict[str, dict[str, dict]]:
        contents = {fmt: site.contents(category, fmt) for fmt in FORMATS}
        return {
            fmt: {release.id: newsboat_item(release, urls[fmt], contents[fmt][release.id]) for release in shown}
            for fmt in FORMATS
        }

    # 1. The first reload stores every release: title, link, instant (unix time), author, and the
    # entry's HTML exactly as served (Atom content, RSS content:encoded).
    first = poll()
    assert answered(first) == unconditional(paths)
    assert differences(items(), expected(starting("newsboat"))) == []
    # As newsboat shows an article: the Jalali date line, the lead, then each paragraph apart.
    for fmt, boat in boats.items():
        articles = boat.articles(3)
        assert (
            differences(
                articles,
                {
                    release.title: newsboat_article(release, f"{SITE_TITLE} - {category}")
                    for release in starting("newsboat")
                },
            )
            == []
        ), fmt
        for release in starting("newsboat"):
            assert_unglued(articles[release.title], release)

    # 2. newsboat keeps a feed's ETag and Last-Modified only from its second download (on the
    # first, it updates the feed's cache row before that row is written, as its debug log shows):
    # the second reload is unconditional too.
    second = poll()
    assert answered(second) == unconditional(paths)

    # 3. From then on it revalidates with both validators, and asks for a delta (A-IM: feed),
    # which feedapp ignores unless FEEDAPP_DELTA_FEEDS is set: 304, and nothing changes.
    before = items()
    third = poll()
    assert answered(third) == revalidated(second, 304)
    assert differences(items(), before) == []

    # 4. One more release while gunicorn runs on: the next reload brings exactly it.
    site.ingest(ours["new"])
    fourth = poll()
    assert answered(fourth) == revalidated(second, 200)
    assert differences(items(), expected([*starting("newsboat"), ours["new"]])) == []

    # 5. Retraction: the feeds drop the entry and the Atom feed announces it (RFC 6721), but
    # newsboat reads no at:deleted-entry and keeps the item as it was, unread and not deleted.
    before = items()
    site.retract(ours["garma"])
    assert site.tombstones(category) == {ours["garma"].id}
    assert ours["garma"].id not in site.contents(category, "rss")
    fifth = poll()
    assert answered(fifth) == revalidated(fourth, 200)
    assert differences(items(), before) == []

    # Subscribed to both formats in one cache, newsboat keeps one item per id (the formats share
    # ids): the feed reloaded last (RSS, after Atom in the urls file) takes every item, and newsboat
    # lists them all under it, none under the Atom feed.
    both = Newsboat(tmp_path / "both", [urls["atom"], urls["rss"]])
    site.poll(paths, both.reload)
    assert {guid: item["feedurl"] for guid, item in both.items().items()} == {
        release.id: urls["rss"] for release in [ours["metro"], ours["olympic"], ours["new"]]
    }


# --- rss2email ------------------------------------------------------------------------------


SENDMAIL_STUB = """#!{python}
# sendmail for rss2email: append the message to an mbox (mailbox quotes "From " lines).
import mailbox, sys
box = mailbox.mbox({mbox!r})
box.lock()
box.add(sys.stdin.buffer.read())
box.flush()
box.unlock()
"""


class Rss2email:
    """r2e with its own config and data file (`-c`, `-d`); mail goes to an mbox."""

    def __init__(self, home: Path) -> None:
        self.program = need("r2e", "rss2email")
        self.home = home
        home.mkdir()
        self.mbox = home / "mbox"
        self.env = reader_env(home)
        self.mailed = 0
        sendmail = home / "sendmail"
        sendmail.write_text(SENDMAIL_STUB.format(python=shutil.which("python3"), mbox=str(self.mbox)), encoding="utf-8")
        sendmail.chmod(0o755)
        self.r2e("new", ME)
        config = home / "config"
        text = config.read_text(encoding="utf-8")
        # The stub as sendmail; each mail dated with its entry's date (date-header), not the run's.
        for old, new in (
            ("sendmail = /usr/sbin/sendmail", f"sendmail = {sendmail}"),
            ("date-header = False", "date-header = True"),
        ):
            assert text.count(f"\n{old}\n") == 1, old
            text = text.replace(f"\n{old}\n", f"\n{new}\n")
        config.write_text(text, encoding="utf-8")

    def r2e(self, *args: str) -> subprocess.CompletedProcess:
        return run(
            [self.program, "-c", str(self.home / "config"), "-d", str(self.home / "data.json"), *args],
            self.env,
            self.home,
        )

    def run(self) -> list[email.message.EmailMessage]:
        """`r2e run`; the messages it mailed."""
        self.r2e("run")
        if not self.mbox.exists():
            return []
        box = mailbox.mbox(str(self.mbox))
        try:
            messages = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]
        finally:
            box.close()
        new, self.mailed = messages[self.mailed :], len(messages)
        return new

    def seen(self) -> dict[str, list[str]]:
        """Feed name → the entry ids r2e remembers having mailed."""
        data = json.loads((self.home / "data.json").read_text(encoding="utf-8"))
        return {feed["name"]: sorted(feed["seen"]) for feed in data["feeds"]}


def mails(messages: list[email.message.EmailMessage]) -> dict[tuple[str, str], dict]:
    """(feed URL, entry id) → what the reader of the mail sees."""
    return {
        (message["X-RSS-Feed"], message["X-RSS-ID"]): {
            name: str(message[name]) for name in ("From", "To", "Subject", "Date", "X-RSS-URL", "X-RSS-TAGS")
        }
        | {"body": message.get_content()}
        for message in messages
    }


def rss2email_mail(release: Release, fmt: str, feed_title: str) -> dict:
    """The mail r2e (text mail: html2text's Markdown) sends for one entry of one format."""
    # Atom: feedparser gives the entry the feed's author when it has none; RSS has no such
    # fallback and r2e writes "<author>".
    author = release.source or (feed_title if fmt == "atom" else "<author>")
    if fmt == "atom":
        # r2e prefers a text/plain part, so it mails Atom's summary (type="text"): the lead alone.
        body = release.lead
    else:
        # RSS description is HTML to feedparser, as content:encoded is: r2e mails the first,
        # content:encoded, as Markdown: the date line, the lead in bold, each paragraph apart.
        blocks = [release.jalali, f"**{release.lead}**", *release.body]
        if release.image:
            # html2text knows no figure: the caption follows the image's Markdown right away (no
            # space), and r2e's body-width 0 means html2text's 78 columns, so the line wraps.
            blocks.append(f"![{IMAGE_CAPTION}]({IMAGE_URL})" + "\n".join(IMAGE_CAPTION.rsplit(" ", 1)))
        body = "\n\n".join(blocks) + "\n\n"
    body += f"\n\nURL: {release.url}" + (f"\nEnclosure: {IMAGE_URL}" if release.image else "")
    return {
        "From": f'"{feed_title}: {author}" <user@rss2email.invalid>',
        "To": ME,
        "Subject": release.title,
        "Date": f"{rfc2822(release.instant)} -0000",
        "X-RSS-URL": release.url,
        "X-RSS-TAGS": release.category,
        "body": body,
    }


def test_rss2email_mails_each_release_once_with_its_lead_and_never_gets_a_226(site: Site, tmp_path: Path) -> None:
    ours = releases("rss2email")
    category = CATEGORIES["rss2email"]
    urls = {fmt: site.feed_url(category, fmt) for fmt in FORMATS}
    paths = [site.path(category, fmt) for fmt in FORMATS]
    r2e = Rss2email(tmp_path / "r2e")
    for fmt in FORMATS:
        r2e.r2e("add", fmt, urls[fmt])

    def poll() -> tuple[list[Hit], dict]:
        sent: list[email.message.EmailMessage] = []
        hits = site.poll(paths, lambda: sent.extend(r2e.run()))
        return hits, mails(sent)

    def expected(mailed: list[Release]) -> dict:
        return {
            (urls[fmt], release.id): rss2email_mail(release, fmt, f"{SITE_TITLE} - {category}")
            for fmt in FORMATS
            for release in mailed
        }

    # 1. One mail per release and format: its title as subject, its instant as Date (r2e's
    # date-header), the lead as the text (Atom), or the release after its date line (RSS), as
    # Markdown with each block apart. feedparser asks for a delta (A-IM: feed) every time:
    # feedapp answers 200 and 304 only (deltas are off by default), never the 226 that r2e
    # takes for an error (after which it would never mail another release).
    first, sent = poll()
    assert answered(first) == unconditional(paths, a_im="feed")
    assert differences(sent, expected(starting("rss2email"))) == []
    for (feed_url, _id), mail in sent.items():
        release = next(release for release in starting("rss2email") if release.title == mail["Subject"])
        text = mail["body"]
        # The first words are the lead (Atom) or the date line and then the lead (RSS): never
        # the image caption that feedparser once took for the summary (media:description).
        paragraphs = text.split("\n\n")
        if feed_url == urls["atom"]:
            assert paragraphs[0] == release.lead
        else:
            assert paragraphs[:2] == [release.jalali, f"**{release.lead}**"]
        assert IMAGE_CAPTION not in text.split(release.lead)[0]
        if feed_url == urls["rss"]:
            assert_unglued(text, release)

    # 2. Nothing new: 304 for both, no mail.
    second, sent = poll()
    assert answered(second) == revalidated(first, 304)
    assert sent == {}

    # 3. One more release: exactly one more mail per feed, for it. r2e's validators are those of
    # the last response, the 304's: its ETag, and its Last-Modified if it had one (feedapp's
    # fast path sends one on a 304, its Flask path does not: then r2e sends If-None-Match alone).
    site.ingest(ours["new"])
    third, sent = poll()
    assert answered(third) == revalidated(second, 200)
    assert differences(sent, expected([ours["new"]])) == []
    assert_unglued(sent[(urls["rss"], ours["new"].id)]["body"], ours["new"])

    # 4. Retraction: the feeds change (200), r2e mails nothing (it ignores Atom's
    # at:deleted-entry) and keeps the id among those it has mailed.
    site.retract(ours["garma"])
    assert site.tombstones(category) == {ours["garma"].id}
    fourth, sent = poll()
    assert answered(fourth) == revalidated(third, 200)
    assert sent == {}
    everything = sorted(release.id for release in [*starting("rss2email"), ours["new"]])
    assert r2e.seen() == {"atom": everything, "rss": everything}


# --- sfeed ----------------------------------------------------------------------------------


# sfeed's README, "Caching, incremental data updates and bandwidth-saving": fetch() with curl's
# ETag options, If-Modified-Since from the ETag file's time, and gzip. Without it sfeed_update
# sends no conditional request at all.
SFEEDRC = """sfeedpath="$HOME/.sfeed/feeds"

# fetch(name, url, feedfile)
fetch() {{
	etag="$HOME/.sfeed/etags/$(basename "$3")"
	curl \\
		-L --max-redirs 0 -H "User-Agent:" -f -s -m 15 \\
		--compressed \\
		--etag-save "${{etag}}" --etag-compare "${{etag}}" \\
		-z "${{etag}}" \\
		"$2" 2>/dev/null
}}

feeds() {{
	feed "atom" "{atom}"
	feed "rss" "{rss}"
}}
"""

SFEED_FIELDS = ("timestamp", "title", "link", "content", "content-type", "id", "author", "enclosure", "category")


class Sfeed:
    """sfeed_update with an sfeedrc in `home` (HOME too), and sfeed_content to show items."""

    def __init__(self, home: Path, urls: dict[str, str]) -> None:
        self.program = need("sfeed_update", "sfeed")
        need("curl", "curl")  # the README's fetch()
        need("lynx", "lynx")  # sfeed_content's default HTML viewer
        home.mkdir()
        (home / ".sfeed" / "etags").mkdir(parents=True)
        (home / "sfeedrc").write_text(SFEEDRC.format(**urls), encoding="utf-8")
        self.home = home
        self.env = reader_env(home)

    def update(self) -> None:
        result = run([self.program, str(self.home / "sfeedrc")], self.env, self.home)
        assert sorted(line.split()[1:] for line in result.stdout.splitlines()) == [["atom", "OK"], ["rss", "OK"]]

    def file(self, name: str) -> Path:
        return self.home / ".sfeed" / "feeds" / name

    def items(self, name: str) -> dict[str, dict[str, str]]:
        """Entry id → the TSV fields of the feed file (content unescaped as sfeed_content does)."""
        items = {}
        for line in self.file(name).read_text(encoding="utf-8").splitlines():
            fields = dict(zip(SFEED_FIELDS, line.split("\t"), strict=True))
            fields["content"] = re.sub(
                r"\\(.)", lambda match: {"n": "\n", "t": "\t"}.get(match[1], match[1]), fields["content"]
            )
            items[fields["id"]] = fields
        return items

    def shown(self, name: str) -> dict[str, str]:
        """Title → an item as sfeed_content shows it (HTML through lynx -dump, its default)."""
        result = run(["sfeed_content", str(self.file(name))], {**self.env, "PAGER": "cat"}, self.home)
        return {re.match(r"Title: +(.*)", item)[1]: item for item in result.stdout.split("\f\n")}


def sfeed_item(release: Release, content: str) -> dict[str, str]:
    return {
        "timestamp": str(release.timestamp),
        "title": release.title,
        "link": release.url,
        "content": content,
        "content-type": "html",
        "id": release.id,
        "author": release.source or "",
        "enclosure": IMAGE_URL if release.image else "",
        "category": release.category,
    }


def sfeed_shown(release: Release) -> str:
    """An item as sfeed_content shows it: sfeed's fields, then lynx's dump of the HTML."""
    author = f"Author:    {release.source}\n" if release.source else ""
    enclosure = f"Enclosure: {IMAGE_URL}\n" if release.image else ""
    text = (
        f"Title:     {release.title}\n{author}Category:  {release.category}\nLink:      {release.url}\n"
        f"{enclosure}\n" + "\n\n".join(f"   {block}" for block in release.blocks) + "\n"
    )
    if release.image:  # lynx shows the image's alt as a link, then the caption: the caption twice
        text += f"   [1]{IMAGE_CAPTION} {IMAGE_CAPTION}\n\nReferences\n\n   1. {IMAGE_URL}\n"
    return text


def test_sfeed_lists_every_release_with_its_text_unglued_revalidates_with_etags_and_keeps_a_retracted_one(
    site: Site, tmp_path: Path
) -> None:
    ours = releases("sfeed")
    category = CATEGORIES["sfeed"]
    urls = {fmt: site.feed_url(category, fmt) for fmt in FORMATS}
    paths = [site.path(category, fmt) for fmt in FORMATS]
    sfeed = Sfeed(tmp_path / "sfeed", urls)
    etags = {site.path(category, fmt): tmp_path / "sfeed" / ".sfeed" / "etags" / fmt for fmt in FORMATS}

    def poll() -> list[Hit]:
        return site.poll(paths, sfeed.update)

    def sent(status: int) -> list[tuple]:
        """The README's fetch(): If-None-Match from the ETag file, If-Modified-Since its time."""
        return sorted(
            (
                path,
                status,
                etag.read_text(encoding="utf-8").rstrip("\n"),
                email.utils.formatdate(etag.stat().st_mtime, usegmt=True),
                None,
            )
            for path, etag in etags.items()
        )

    def items() -> dict[str, dict]:
        return {fmt: sfeed.items(fmt) for fmt in FORMATS}

    def expected(shown: list[Release]) -> dict[str, dict]:
        contents = {fmt: site.contents(category, fmt) for fmt in FORMATS}
        return {
            fmt: {release.id: sfeed_item(release, contents[fmt][release.id]) for release in shown} for fmt in FORMATS
        }

    # 1. Every release: unix time, title, link, the entry's HTML as served (Atom content, RSS
    # content:encoded), author, the image as enclosure, the category. With no ETag file yet,
    # curl sends `If-None-Match: ""`.
    first = poll()
    assert answered(first) == sorted((path, 200, '""', None, None) for path in paths)
    assert {path: etag.read_text(encoding="utf-8").rstrip("\n") for path, etag in etags.items()} == {
        hit.path: hit.etag for hit in first
    }
    assert differences(items(), expected(starting("sfeed"))) == []
    for fmt in FORMATS:  # the HTML without its tags, as a script reading the TSV might show it
        for release in starting("sfeed"):
            assert_unglued(re.sub(r"<[^>]*>", "", items()[fmt][release.id]["content"]), release)
    # As sfeed_content shows them: the date line, the lead, each paragraph apart.
    for fmt in FORMATS:
        shown = sfeed.shown(fmt)
        assert differences(shown, {release.title: sfeed_shown(release) for release in starting("sfeed")}) == [], fmt
        for release in starting("sfeed"):
            assert_unglued(shown[release.title], release)

    # 2. Nothing new: 304, and the feed files stay as they were.
    before = items()
    expected_requests = sent(304)
    second = poll()
    assert answered(second) == expected_requests
    assert differences(items(), before) == []

    # 3. One more release: the feed files gain exactly it.
    site.ingest(ours["new"])
    expected_requests = sent(200)
    third = poll()
    assert answered(third) == expected_requests
    assert differences(items(), expected([*starting("sfeed"), ours["new"]])) == []

    # 4. Retraction: sfeed_update merges what it fetched into what it had, so the item stays
    # (sfeed reads no at:deleted-entry).
    before = items()
    site.retract(ours["garma"])
    assert site.tombstones(category) == {ours["garma"].id}
    expected_requests = sent(200)
    fourth = poll()
    assert answered(fourth) == expected_requests
    assert differences(items(), before) == []


# --- reader (the library) -------------------------------------------------------------------


def reader_entry(release: Release, fmt: str, content: str) -> dict:
    """What reader keeps of an entry (feedparser's reading, sanitized HTML)."""
    if release.image:  # feedparser's sanitizer rewrites the img element
        content = content.replace(
            f'<img src="{IMAGE_URL}" alt="{IMAGE_CAPTION}">', f'<img alt="{IMAGE_CAPTION}" src="{IMAGE_URL}" />'
        )
    atom = fmt == "atom"
    return {
        "title": release.title,
        "link": release.url,
        "published": release.instant,
        # RSS has no updated: pubDate is the first publication.
        "updated": release.instant if atom else None,
        "summary": release.lead,
        # xml:lang reaches Atom content only.
        "content": [("text/html", content, "fa" if atom else None)],
        # Atom's enclosure link has no length when the release gives none; RSS requires one,
        # and feedapp writes "0".
        "enclosures": [(IMAGE_URL, "image/jpeg", None if atom else 0)] if release.image else [],
        "authors": [release.source] if release.source else [],
    }


def test_reader_library_stores_each_release_with_its_lead_sends_conditional_requests_and_keeps_a_retracted_one(
    site: Site, tmp_path: Path
) -> None:
    try:
        from reader import UpdatedFeed, make_reader
    except ImportError:
        pytest.fail("the reader library is not installed: .venv/bin/pip install reader==3.27", pytrace=False)
    ours = releases("reader")
    category = CATEGORIES["reader"]
    urls = {fmt: site.feed_url(category, fmt) for fmt in FORMATS}
    paths = [site.path(category, fmt) for fmt in FORMATS]
    library = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for url in urls.values():
            library.add_feed(url)

        def poll() -> tuple[list[Hit], dict]:
            """update_feeds(scheduled=False): now, not when reader's schedule (hourly) says."""
            results = {}
            hits = site.poll(
                paths,
                lambda: results.update(
                    (result.url, result.value) for result in library.update_feeds_iter(scheduled=False)
                ),
            )
            return hits, results

        def updated(new: int, unmodified: int) -> dict:
            return {url: UpdatedFeed(url, new=new, modified=0, unmodified=unmodified) for url in urls.values()}

        def entries() -> dict[str, dict]:
            return {
                fmt: {
                    entry.id: {
                        "title": entry.title,
                        "link": entry.link,
                        "published": entry.published,
                        "updated": entry.updated,
                        "summary": entry.summary,
                        "content": [(c.type, c.value, c.language) for c in entry.content],
                        "enclosures": [(e.href, e.type, e.length) for e in entry.enclosures],
                        "authors": [author.name for author in entry.authors],
                    }
                    for entry in library.get_entries(feed=urls[fmt])
                }
                for fmt in FORMATS
            }

        def expected(shown: list[Release]) -> dict[str, dict]:
            contents = {fmt: site.contents(category, fmt) for fmt in FORMATS}
            return {
                fmt: {release.id: reader_entry(release, fmt, contents[fmt][release.id]) for release in shown}
                for fmt in FORMATS
            }

        # 1. Every release: title, link, instant (aware UTC), the lead as summary (never the
        # image caption), the HTML as content. (reader hands feedparser the response headers in
        # their own case, so feedparser finds no content-type and reader logs a "bozo feed"
        # NonXMLContentType warning it survives: reader's doing, not the feed's.)
        first, results = poll()
        assert answered(first) == unconditional(paths, a_im="feed")
        assert results == updated(new=3, unmodified=0)
        assert differences(entries(), expected(starting("reader"))) == []

        # 2. Nothing new: reader sends the ETag and Last-Modified it kept: 304, no update.
        second, results = poll()
        assert answered(second) == revalidated(first, 304)
        assert results == {url: None for url in urls.values()}

        # 3. One more release: exactly one new entry per feed, the others unmodified.
        site.ingest(ours["new"])
        third, results = poll()
        assert answered(third) == revalidated(first, 200)
        assert results == updated(new=1, unmodified=3)
        assert differences(entries(), expected([*starting("reader"), ours["new"]])) == []

        # 4. Retraction: reader keeps the entry as it was (an entry gone from a feed stays, and
        # reader reads no at:deleted-entry).
        before = entries()
        site.retract(ours["garma"])
        assert site.tombstones(category) == {ours["garma"].id}
        fourth, results = poll()
        assert answered(fourth) == revalidated(third, 200)
        assert results == updated(new=0, unmodified=3)
        assert differences(entries(), before) == []
    finally:
        library.close()
