"""How many readers an aggregator says it polls a feed for, read from its fetcher's User-Agent.

Hosted feed readers fetch a feed once for all their users and, as a courtesy to publishers, write
the number of those users into the User-Agent of the fetch: `Feedly/1.0 (...; 123 subscribers; )`.
That number is the only reach figure a feed has, so `announced` reads it. There is no standard:
each aggregator has its own wording, punctuation and, for some, its own id of the subscription
(an aggregator may poll one URL as several subscriptions, http and https, with and without a
trailing slash, each with its own id and count). The known formats are matched first, each by its
own pattern; any other agent with an `N subscribers` or `N readers` phrase is named by its first
product token, so an aggregator not listed here still counts.

The agent is whatever the client sent: counts are plain ASCII digits (thousands separated by
commas or not), a count over `MAX_SUBSCRIBERS` is refused rather than summed, and an agent longer
than `MAX_AGENT_LENGTH` is not read at all. Whether a poller without a count is worth recording is
the caller's business: this module only says what an agent announces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Agents are attacker-sized input: longer than this, they are not handed to any regex. Real
# fetcher agents are under 300 characters (NewsBlur's, the longest, embeds a browser agent).
MAX_AGENT_LENGTH = 512
# A spoofed agent must not make an absurd total: no feed has a billion readers on one aggregator.
MAX_SUBSCRIBERS = 10**9


@dataclass(frozen=True)
class Announcement:
    """What one fetch's User-Agent says: who polls, for how many readers, under which of its ids.

    `aggregator` is a short lowercase name ("feedly"); `feed_id` is the aggregator's own id of
    the subscription when the agent carries one, else None. Totals are the sum of the latest
    count per (aggregator, feed_id).
    """

    aggregator: str
    subscribers: int
    feed_id: str | None


_FLAGS = re.IGNORECASE | re.ASCII
# A count: ASCII digits, thousands grouped by commas or not, standing alone: at the start or after
# a space, "(", ";" or "[", so "0x10", "1.5", "-5" and "12,34" are no counts.
_COUNT = r"(?<![^\s(;\[])(?P<count>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
# The word ends the phrase: "subscribers-only" and "subscribersX" are other words.
_WORD_END = r"(?![^\s;,.()\[\]])"
_SUBSCRIBERS = rf"{_COUNT}\s+subscribers?{_WORD_END}"
# An aggregator's id of the subscription: a number or a hex or word id, at most 64 characters.
_FEED_ID = r"(?P<feed>[A-Za-z0-9_-]{1,64})(?![A-Za-z0-9_-])"

# (aggregator, pattern), tried in order; each pattern has a `count` group and may have `feed`.
# NewsBlur comes first: its agent embeds a site's name and a browser agent, which may name others.
_KNOWN: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, _FLAGS))
    for name, pattern in (
        # https://www.newsblur.com: "NewsBlur Feed Fetcher - 12 subscribers - https://www.newsblur.com/site/6103960/slug
        # (browser agent)", "1 subscriber" when one; older fetchers put "(NewsBlur Feed Fetcher - 5 subscribers -
        # http://www.newsblur.com)" after a browser agent. The page fetcher announces its feed's count too.
        (
            "newsblur",
            rf"\bnewsblur (?:feed|page) fetcher\s*-\s*{_SUBSCRIBERS}"
            rf"(?:\s*-\s*https?://(?:www\.)?newsblur\.com/site/{_FEED_ID})?",
        ),
        # https://feedbin.com: "Feedbin feed-id:1373711 - 5 subscribers".
        ("feedbin", rf"^feedbin\b(?:\s+feed-id:\s*{_FEED_ID})?[^)]*?{_SUBSCRIBERS}"),
        # theoldreader.com: "Mozilla/5.0 (compatible; theoldreader.com; 4 subscribers; feed-id=5a1b2c3d4e5f...)".
        ("theoldreader", rf"\btheoldreader\.com\b[^)]*?{_SUBSCRIBERS}(?:\s*;\s*feed-id=\s*{_FEED_ID})?"),
        # http://www.netvibes.com: "Netvibes (crawler/bot; http://www.netvibes.com; 2 subscribers; feedID: 12345678)",
        # earlier "Netvibes (http://www.netvibes.com/; 5 subscribers; feedId: 5404723)".
        ("netvibes", rf"^netvibes\b[^)]*?{_SUBSCRIBERS}(?:\s*;\s*feedid:\s*{_FEED_ID})?"),
        # http://www.feedly.com/fetcher.html, https://feedly.com/poller.html: "Feedly/1.0 (+http://www.feedly.com/
        # fetcher.html; 123 subscribers; like FeedFetcher-Google)"; "FeedlyBot/1.0" carries no count.
        ("feedly", rf"\bfeedly/[^)]*?{_SUBSCRIBERS}"),
        # https://www.inoreader.com, http://www.inoreader.com/feed-fetcher: "Mozilla/5.0 (compatible; Inoreader/1.0;
        # https://www.inoreader.com; 41 subscribers)", "Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)",
        # "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 5 subscribers; )".
        ("inoreader", rf"\binoreader\b[^)]*?{_SUBSCRIBERS}"),
        # https://bazqux.com/fetcher: "Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher;
        # 3 subscribers)".
        ("bazqux", rf"\bbazqux\b[^)]*?{_SUBSCRIBERS}"),
        # https://www.feedspot.com/fs/fetcher: "Mozilla/5.0 (compatible; Feedspot/1.0 (+https://www.feedspot.com/fs/
        # fetcher; like FeedFetcher-Google; 7 subscribers)".
        ("feedspot", rf"\bfeedspot\b[^)]*?{_SUBSCRIBERS}"),
        # http://www.g2reader.com/: "G2reader-Bot/0.1 (+http://www.g2reader.com/; 4 subscribers)".
        ("g2reader", rf"\bg2reader\b[^)]*?{_SUBSCRIBERS}"),
        # http://www.bloglines.com: "Bloglines/3.1 (http://www.bloglines.com; 27 subscribers)" (service closed).
        ("bloglines", rf"^bloglines\b[^)]*?{_SUBSCRIBERS}"),
        # http://www.google.com/feedfetcher.html: "Feedfetcher-Google; (+http://www.google.com/feedfetcher.html;
        # 4 subscribers; feed-id=9048986372668769311)" (retired with Google Reader; Feedly's and Feedspot's agents
        # say "like FeedFetcher-Google", hence the anchor).
        ("google", rf"^feedfetcher-google\b[^)]*?{_SUBSCRIBERS}(?:\s*;\s*feed-id=\s*{_FEED_ID})?"),
    )
)

# Any other aggregator: "FeedHQ/1.0 (https://github.com/feedhq/feedhq; 2 subscribers; ...)", "Dreamwidth Studios
# (...; 2 readers)", "Overcast/1.0 Podcast Sync (1190 subscribers; feed-id=554901; +http://overcast.fm/)".
_GENERIC = re.compile(rf"{_COUNT}\s+(?:subscribers?|readers?){_WORD_END}", _FLAGS)
_GENERIC_FEED_ID = re.compile(rf"\bfeed-?id\s*[=:]\s*{_FEED_ID}", _FLAGS)
# A product token (RFC 9110 §10.1.5 token characters, version after "/" left out) that starts with
# a letter and is at most 64 characters long; "Mozilla/5.0 (compatible; Name/1.0; ...)" is named by Name.
_TOKEN = r"([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,63})(?![A-Za-z0-9!#$%&'*+.^_`|~-])"
_PRODUCT = re.compile(rf"\s*{_TOKEN}", _FLAGS)
_COMPATIBLE = re.compile(rf"\s*mozilla/[^(]*\(\s*compatible\s*;\s*{_TOKEN}", _FLAGS)


def announced(user_agent: str) -> Announcement | None:
    """The aggregator, subscriber count and feed id a User-Agent announces, or None without a count.

    None too for an agent over MAX_AGENT_LENGTH characters, a count over MAX_SUBSCRIBERS, and a
    generic count in an agent that names no product.
    """
    if len(user_agent) > MAX_AGENT_LENGTH:
        return None
    for aggregator, pattern in _KNOWN:
        found = pattern.search(user_agent)
        if found is not None:
            return _announcement(aggregator, found["count"], found.groupdict().get("feed"))
    return _generic(user_agent)


def _generic(user_agent: str) -> Announcement | None:
    """An `N subscribers` or `N readers` phrase, credited to the agent's first product token."""
    found = _GENERIC.search(user_agent)
    if found is None:
        return None
    aggregator = _product(user_agent)
    if aggregator is None:
        return None
    feed = _GENERIC_FEED_ID.search(user_agent)
    return _announcement(aggregator, found["count"], feed["feed"] if feed is not None else None)


def _product(user_agent: str) -> str | None:
    """The agent's first product name, lowercased, or the one after "Mozilla/… (compatible;"."""
    named = _COMPATIBLE.match(user_agent) or _PRODUCT.match(user_agent)
    return named[1].lower() if named is not None else None


def _announcement(aggregator: str, count: str, feed_id: str | None) -> Announcement | None:
    """The announcement, or None when the count is beyond belief."""
    subscribers = int(count.replace(",", ""))
    if subscribers > MAX_SUBSCRIBERS:
        return None
    return Announcement(aggregator, subscribers, feed_id)
