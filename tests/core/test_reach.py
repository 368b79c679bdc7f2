"""Subscriber counts announced in feed fetchers' User-Agents: each aggregator's own format, the
generic `N subscribers` / `N readers` phrase, and the agents and counts that announce nothing."""

from __future__ import annotations

import dataclasses

import pytest

from feedapp.core.reach import MAX_AGENT_LENGTH, MAX_SUBSCRIBERS, Announcement, announced

NEWSBLUR_BROWSER = (
    "(Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/88.0.4324.96 Safari/537.36)"
)


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        # Feedly
        (
            "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; like FeedFetcher-Google)",
            Announcement("feedly", 123, None),
        ),
        ("Feedly/1.0 (+https://feedly.com/poller.html; 16 subscribers; )", Announcement("feedly", 16, None)),
        ("Feedly/1.0 (poller; 131 subscribers;)", Announcement("feedly", 131, None)),
        # Inoreader
        (
            "Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; 41 subscribers)",
            Announcement("inoreader", 41, None),
        ),
        (
            "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 5 subscribers; )",
            Announcement("inoreader", 5, None),
        ),
        ("Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)", Announcement("inoreader", 114, None)),
        # NewsBlur: the site id is the feed id; "1 subscriber" when one; older agents carry no site link.
        (
            f"NewsBlur Feed Fetcher - 12 subscribers - https://www.newsblur.com/site/6103960/example {NEWSBLUR_BROWSER}",
            Announcement("newsblur", 12, "6103960"),
        ),
        (
            f"NewsBlur Feed Fetcher - 1 subscriber - https://www.newsblur.com/site/6103960/example {NEWSBLUR_BROWSER}",
            Announcement("newsblur", 1, "6103960"),
        ),
        (
            "NewsBlur Feed Fetcher - 27 subscribers - https://www.newsblur.com/site/7704055/rendezvous-with-cassidoo"
            ' ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)'
            ' Version/14.0.1 Safari/605.1.15")',
            Announcement("newsblur", 27, "7704055"),
        ),
        (
            "NewsBlur Page Fetcher - 7 subscribers - http://www.newsblur.com/site/3966817/analytics-piwik"
            f" {NEWSBLUR_BROWSER}",
            Announcement("newsblur", 7, "3966817"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_1) AppleWebKit/534.48.3 (KHTML, like Gecko) Version/5.1"
            " Safari/534.48.3 (NewsBlur Feed Fetcher - 5 subscribers - http://www.newsblur.com)",
            Announcement("newsblur", 5, None),
        ),
        # A site named after another aggregator is still NewsBlur's.
        (
            "NewsBlur Feed Fetcher - 3 subscribers - https://www.newsblur.com/site/42/feedly-inoreader-tips"
            f" {NEWSBLUR_BROWSER}",
            Announcement("newsblur", 3, "42"),
        ),
        # The Old Reader
        (
            "Mozilla/5.0 (compatible; theoldreader.com; 4 subscribers; feed-id=5a1b2c3d4e5f6a7b8c9d0e1f)",
            Announcement("theoldreader", 4, "5a1b2c3d4e5f6a7b8c9d0e1f"),
        ),
        ("Mozilla/5.0 (compatible; theoldreader.com; 4 subscribers)", Announcement("theoldreader", 4, None)),
        # Feedbin
        ("Feedbin feed-id:1373711 - 5 subscribers", Announcement("feedbin", 5, "1373711")),
        ("Feedbin feed-id:12345 - 1 subscriber", Announcement("feedbin", 1, "12345")),
        # BazQux
        (
            "Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; 3 subscribers)",
            Announcement("bazqux", 3, None),
        ),
        # Netvibes
        (
            "Netvibes (crawler/bot; http://www.netvibes.com; 2 subscribers; feedID: 12345678)",
            Announcement("netvibes", 2, "12345678"),
        ),
        (
            "Netvibes (http://www.netvibes.com/; 5 subscribers; feedId: 5404723)",
            Announcement("netvibes", 5, "5404723"),
        ),
        # Feedspot
        (
            "Mozilla/5.0 (compatible; Feedspot/1.0 (+https://www.feedspot.com/fs/fetcher; like FeedFetcher-Google;"
            " 7 subscribers)",
            Announcement("feedspot", 7, None),
        ),
        # G2Reader
        ("G2reader-Bot/0.1 (+http://www.g2reader.com/; 4 subscribers)", Announcement("g2reader", 4, None)),
        # Bloglines
        ("Bloglines/3.1 (http://www.bloglines.com; 27 subscribers)", Announcement("bloglines", 27, None)),
        ("Bloglines/3.1 (http://www.bloglines.com; 1 subscriber)", Announcement("bloglines", 1, None)),
        # Google's retired Feedfetcher
        (
            "Feedfetcher-Google; (+http://www.google.com/feedfetcher.html; 4 subscribers; feed-id=9048986372668769311)",
            Announcement("google", 4, "9048986372668769311"),
        ),
    ],
)
def test_each_aggregator_s_announcement_gives_its_name_count_and_feed_id(user_agent, expected):
    assert announced(user_agent) == expected


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        (
            "FeedHQ/1.0 (https://github.com/feedhq/feedhq; 2 subscribers; https://github.com/feedhq/feedhq/wiki/fetcher;"
            " like FeedFetcher-Google)",
            Announcement("feedhq", 2, None),
        ),
        ("CommaFeed/4.3.0 (https://www.commafeed.com; 3 subscribers)", Announcement("commafeed", 3, None)),
        ("FeedHQ (https://feedhq.org; 1 subscriber)", Announcement("feedhq", 1, None)),
        (
            "Dreamwidth Studios (webmaster@dreamwidth.org; for https://www.dreamwidth.org/users/x_feed/; 2 readers)",
            Announcement("dreamwidth", 2, None),
        ),
        (
            "LiveJournal.com (webmaster@livejournal.com; for http://www.livejournal.com/users/x/; 1 reader)",
            Announcement("livejournal.com", 1, None),
        ),
        ("OohDirectory/1.0 (+ 1 subscribers)", Announcement("oohdirectory", 1, None)),
        (
            "Overcast/1.0 Podcast Sync (1190 subscribers; feed-id=554901; +http://overcast.fm/)",
            Announcement("overcast", 1190, "554901"),
        ),
        # "Mozilla/5.0 (compatible; Name/...)" is named by Name, a bare Mozilla agent by "mozilla".
        (
            "Mozilla/5.0 (compatible; NewReader/2.0; +https://newreader.example; 9 subscribers)",
            Announcement("newreader", 9, None),
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; 6 subscribers)", Announcement("mozilla", 6, None)),
        # A known aggregator's agent in an unknown shape is still credited to it by name.
        ("Feedly/2.0 (https://feedly.com) 8 readers", Announcement("feedly", 8, None)),
    ],
)
def test_an_unknown_aggregator_s_count_is_credited_to_its_first_product_token(user_agent, expected):
    assert announced(user_agent) == expected


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Miniflux/2.0.51 (https://miniflux.app)",
        "Mozilla/5.0 (compatible; Miniflux/2.2.3; +https://miniflux.app)",
        "Tiny Tiny RSS/21.01 (Unsupported) (https://tt-rss.org/)",
        "FeedlyBot/1.0 (http://feedly.com)",
        "Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)",
        "Feedfetcher-Google; (+http://www.google.com/feedfetcher.html; feed-id=6486597085114830250)",
        "CommaFeed/4.3.0 (https://github.com/Athou/commafeed)",
    ],
)
def test_agents_without_a_count_announce_nothing(user_agent):
    assert announced(user_agent) is None


@pytest.mark.parametrize(
    "user_agent",
    [
        "Foo/1.0 (subscribers-only)",
        "Foo/1.0 (10 subscribers-only posts)",
        "Foo/1.0 (0x10 subscribers)",
        "Foo/1.0 (-5 subscribers)",
        "Foo/1.0 (1.5 subscribers)",
        "Foo/1.0 (12,34 subscribers)",
        "Foo/1.0 (1,2345 subscribers)",
        "Foo/1.0 (12subscribers)",
        "Foo/1.0 (five subscribers)",
        "Foo/1.0 (12 subscriptions)",
        "Foo/1.0 (12 subscribersX)",
        "Foo/1.0 (۱۲ subscribers)",  # Persian digits: counts are ASCII
        "Foo/1.0 (١٢ subscribers)",  # Arabic-Indic digits
        "Feedly/1.0 (+http://www.feedly.com/fetcher.html; x12 subscribers; )",
        "Feedbin feed-id:1373711 - 5a subscribers",
    ],
)
def test_words_that_merely_look_like_a_count_announce_nothing(user_agent):
    assert announced(user_agent) is None


@pytest.mark.parametrize(
    "user_agent",
    [
        "(5 subscribers)",
        "   ; 5 subscribers",
        "خبرخوان/1.0 (5 subscribers)",
        "X" * 65 + "/1.0 (5 subscribers)",
    ],
)
def test_a_generic_count_in_an_agent_naming_no_product_announces_nothing(user_agent):
    assert announced(user_agent) is None


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        (
            "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1,234 subscribers; like FeedFetcher-Google)",
            Announcement("feedly", 1234, None),
        ),
        ("Feedbin feed-id:7 - 12,345,678 subscribers", Announcement("feedbin", 12345678, "7")),
        ("CommaFeed/4.3.0 (https://www.commafeed.com; 1,000 subscribers)", Announcement("commafeed", 1000, None)),
        ("Feedbin feed-id:7 - 1234567 subscribers", Announcement("feedbin", 1234567, "7")),
    ],
)
def test_thousands_separators_are_read_as_one_count(user_agent, expected):
    assert announced(user_agent) == expected


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        ("Feedbin feed-id:7 - 0 subscribers", Announcement("feedbin", 0, "7")),
        ("Feedly/1.0 (poller; 0 subscribers;)", Announcement("feedly", 0, None)),
        ("FeedHQ/1.0 (https://feedhq.org; 0 subscribers)", Announcement("feedhq", 0, None)),
    ],
)
def test_a_count_of_zero_is_an_announcement_of_zero(user_agent, expected):
    assert announced(user_agent) == expected


@pytest.mark.parametrize(
    "count, expected",
    [
        ("1000000000", MAX_SUBSCRIBERS),
        ("1,000,000,000", MAX_SUBSCRIBERS),
        ("1000000001", None),
        ("1,000,000,001", None),
        ("99999999999999999999999999999999", None),
    ],
)
def test_counts_above_the_cap_announce_nothing(count, expected):
    for user_agent in (f"Feedly/1.0 (poller; {count} subscribers;)", f"SomeReader/1.0 ({count} subscribers)"):
        found = announced(user_agent)
        assert (found.subscribers if found is not None else None) == expected


def test_an_agent_over_the_length_bound_is_not_read():
    head = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 16 subscribers; "
    at_bound = head + "x" * (MAX_AGENT_LENGTH - len(head) - 1) + ")"
    assert len(at_bound) == MAX_AGENT_LENGTH
    assert announced(at_bound) == Announcement("feedly", 16, None)
    assert announced(at_bound + " ") is None
    assert announced("Foo/1.0 (5 subscribers)" + " " * 10_000) is None


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        ("FEEDLY/1.0 (+HTTP://WWW.FEEDLY.COM/FETCHER.HTML; 16 SUBSCRIBERS; )", Announcement("feedly", 16, None)),
        ("feedbin FEED-ID:1373711 - 5 Subscribers", Announcement("feedbin", 5, "1373711")),
        (
            "MOZILLA/5.0 (COMPATIBLE; THEOLDREADER.COM; 4 SUBSCRIBERS; FEED-ID=5A1B2C3D4E5F6A7B8C9D0E1F)",
            Announcement("theoldreader", 4, "5A1B2C3D4E5F6A7B8C9D0E1F"),
        ),
        ("NETVIBES (HTTP://WWW.NETVIBES.COM; 2 SUBSCRIBERS; FEEDID: 1)", Announcement("netvibes", 2, "1")),
        ("newsblur feed fetcher - 3 SUBSCRIBERS - HTTPS://WWW.NEWSBLUR.COM/SITE/9/x", Announcement("newsblur", 3, "9")),
        ("CommaFeed/4.3.0 (https://www.commafeed.com; 3 Readers)", Announcement("commafeed", 3, None)),
    ],
)
def test_matching_ignores_case_and_keeps_the_feed_id_as_sent(user_agent, expected):
    assert announced(user_agent) == expected


def test_an_announcement_is_frozen():
    found = announced("Feedbin feed-id:1373711 - 5 subscribers")
    assert found is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.subscribers = 6  # type: ignore[misc]
