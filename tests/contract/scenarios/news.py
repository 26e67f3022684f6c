"""News: the Guardian's genuine RSS feed, a Japanese Google News search plus an Atom feed, and a
Shift_JIS feed in the style of Japanese government and portal feeds (JST dates)."""

from __future__ import annotations

from datetime import UTC, datetime

from collectors._text import stable_hex
from contract.scenario import Reply, Route, Scenario, recording
from koe.config import Brand, GoogleNewsEdition, NewsSource

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
SEARCH = "/rss/search"


def _guardian_source(url: str) -> NewsSource:
    return NewsSource(type="news", base_url=f"{url}/rss", google_news=False,
                      feeds=(f"{url}/us/rss",))


def _guardian_routes() -> list[Route]:
    return [Route("GET", "/us/rss", Reply(body=recording("news/1-guardian-us-rss.xml"),
                                          content_type=RSS))]


GUARDIAN_SOTU = ("https://www.theguardian.com/us-news/2018/jan/31/"
                 "donald-trump-state-of-the-union-address-unity-discord")
GUARDIAN_FBI = "https://www.theguardian.com/us-news/2018/jan/31/fbi-nunes-memo-release-donald-trump"


# --- hand-written: Google News (ja/JP and en-US/US editions) and an Atom feed -------------

def _gn_item(title: str, guid: str, pub: str | None, publisher: str | None,
             description: str | None = None) -> str:
    link = f"https://news.google.com/rss/articles/{guid}?oc=5"
    headline = title.rsplit(" - ", 1)[0]
    if description is None:
        description = (f'&lt;a href="{link}" target="_blank"&gt;{headline}&lt;/a&gt;&amp;nbsp;'
                       f'&amp;nbsp;&lt;font color="#6f6f6f"&gt;{publisher}&lt;/font&gt;')
    parts = [f"<title>{title}</title>", f"<link>{link}</link>",
             f'<guid isPermaLink="false">{guid}</guid>']
    if pub is not None:
        parts.append(f"<pubDate>{pub}</pubDate>")
    parts.append(f"<description>{description}</description>")
    if publisher is not None:
        parts.append(f'<source url="https://{guid[-6:].lower()}.example">{publisher}</source>')
    return "<item>" + "".join(parts) + "</item>"


def _gn_channel(query: str, hl: str, language: str, items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<generator>NFE/5.0</generator><title>{query} - Google News</title>"
        f"<link>https://news.google.com/search?q={query}&amp;hl={hl}</link>"
        f"<language>{language}</language><webMaster>news-webmaster@google.com</webMaster>"
        "<copyright>Copyright © 2026 Google. All rights reserved.</copyright>"
        "<lastBuildDate>Fri, 20 Nov 2026 23:00:00 GMT</lastBuildDate>"
        "<description>Google News</description>" + "".join(items) + "</channel></rss>"
    )


GN_JA = [
    _gn_item("オーロラ珈琲、冬季限定ブレンドを発売 - 日本経済新聞", "CBMiJmh0dHBzOi8vd3d3Lm5pa2tlaS5jb20vYXVyb3JhLTAx",
             "Fri, 20 Nov 2026 07:00:00 GMT", "日本経済新聞"),
    # Entities in the title; an <ol> cluster description (several headlines) is ignored.
    _gn_item("「オーロラ珈琲」アプリ障害 &amp; 謝罪 - ITmedia", "CBMiKmh0dHBzOi8vd3d3Lml0bWVkaWEuY28uanAvYXVyb3JhLTAy",
             "Fri, 20 Nov 2026 01:00:00 GMT", "ITmedia",
             "&lt;ol&gt;&lt;li&gt;&lt;a href=\"https://news.google.com/rss/articles/x\"&gt;"
             "アプリ障害&lt;/a&gt;&lt;/li&gt;&lt;/ol&gt;"),
    # No <source>: the author is simply unknown.
    _gn_item("オーロラ珈琲の新店舗、渋谷に", "CBMiLGh0dHBzOi8vbG9jYWwuZXhhbXBsZS5qcC9hdXJvcmEtMDM",
             "Fri, 20 Nov 2026 03:15:00 GMT", None),
    # Outside the window (Google's after:/before: are whole days, so this is normal).
    _gn_item("オーロラ珈琲、秋の新作 - 東洋経済", "CBMiLmh0dHBzOi8vdG95b2tlaXphaS5uZXQvYXVyb3JhLTA0",
             "Wed, 18 Nov 2026 03:00:00 GMT", "東洋経済"),
    # No date at all: skipped (and counted), the window cannot be honoured.
    _gn_item("オーロラ珈琲 日付なし - 不明", "CBMiMGh0dHBzOi8vbm9kYXRlLmV4YW1wbGUvYXVyb3JhLTA1", None, "不明"),
]
GN_EN = [
    _gn_item("Aurora Coffee&#39;s winter blend is &quot;bold&quot; - The Verge",
             "CBMiMmh0dHBzOi8vd3d3LnRoZXZlcmdlLmNvbS9hdXJvcmEtMDY", "Fri, 20 Nov 2026 12:30:00 GMT",
             "The Verge"),
    # The same article as in the ja edition: the same id, yielded once.
    _gn_item("オーロラ珈琲、冬季限定ブレンドを発売 - 日本経済新聞", "CBMiJmh0dHBzOi8vd3d3Lm5pa2tlaS5jb20vYXVyb3JhLTAx",
             "Fri, 20 Nov 2026 07:00:00 GMT", "日本経済新聞"),
]

ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">
  <title>珈琲ブログ</title>
  <id>tag:coffee-blog.example,2026:feed</id>
  <updated>2026-11-20T21:00:00+09:00</updated>
  <link rel="self" href="https://coffee-blog.example/atom.xml"/>
  <entry>
    <id>tag:coffee-blog.example,2026:post-41</id>
    <title type="html">オーロラ珈琲の&lt;b&gt;新ブレンド&lt;/b&gt;を試した</title>
    <link rel="alternate" href="https://coffee-blog.example/posts/41"/>
    <published>2026-11-20T18:00:00+09:00</published>
    <updated>2026-11-20T19:30:00+09:00</updated>
    <author><name>珈琲太郎</name></author>
    <content type="html">&lt;p&gt;オーロラ珈琲の冬ブレンドは&amp;quot;深煎り&amp;quot;で美味しい。&lt;/p&gt;&lt;p&gt;価格は&amp;lt;500円&amp;gt;。&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:coffee-blog.example,2026:post-40</id>
    <title>Aurora Coffee app review</title>
    <link rel="alternate" href="https://coffee-blog.example/posts/40"/>
    <updated>2026-11-20T02:00:00Z</updated>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>The Aurora Coffee app keeps <em>crashing</em> at checkout &amp; loses my order.</p></div></summary>
  </entry>
  <entry>
    <id>tag:coffee-blog.example,2026:post-39</id>
    <title>日付のない下書き</title>
    <link rel="alternate" href="https://coffee-blog.example/posts/39"/>
    <content type="text">オーロラ珈琲の下書き</content>
  </entry>
  <entry>
    <id>tag:coffee-blog.example,2026:post-38</id>
    <title>先月のオーロラ珈琲</title>
    <link rel="alternate" href="https://coffee-blog.example/posts/38"/>
    <published>2026-10-30T10:00:00+09:00</published>
    <content type="text">オーロラ珈琲のラテが好き</content>
  </entry>
</feed>
"""

WINDOW_Q = "after:2026-11-19 before:2026-11-22"
AURORA_Q = '"aurora coffee" OR オーロラ珈琲'


def _japanese_source(url: str) -> NewsSource:
    return NewsSource(type="news", base_url=f"{url}/rss",
                      editions=(GoogleNewsEdition(hl="ja", gl="JP"),
                                GoogleNewsEdition(hl="en-US", gl="US")),
                      feeds=(f"{url}/blog/atom.xml",))


def _japanese_routes() -> list[Route]:
    def search(query: str, hl: str, gl: str, ceid: str, body: str) -> Route:
        return Route("GET", SEARCH, Reply(body=body, content_type=RSS),
                     params={"q": f"{query} {WINDOW_Q}", "hl": hl, "gl": gl, "ceid": ceid})

    return [
        search(AURORA_Q, "ja", "JP", "JP:ja", _gn_channel(AURORA_Q, "ja", "ja", GN_JA)),
        search(AURORA_Q, "en-US", "US", "US:en", _gn_channel(AURORA_Q, "en-US", "en-US", GN_EN)),
        # The second brand finds nothing: an empty channel is a complete answer.
        search("borealis", "ja", "JP", "JP:ja", _gn_channel("borealis", "ja", "ja", [])),
        search("borealis", "en-US", "US", "US:en", _gn_channel("borealis", "en-US", "en-US", [])),
        Route("GET", "/blog/atom.xml", Reply(body=ATOM_FEED, content_type=ATOM)),
    ]


def _gn_id(guid: str) -> str:
    return stable_hex("google-news", guid)


# --- hand-written: a Japanese feed in Shift_JIS with JST and Drupal-style dates ----------
# RFC 822 names only UT/GMT and the US zones, but Japanese feeds write "JST" (read as UTC
# by feedparser: nine hours off), or "2026/11/20 21:00:00 +0900" (read as the first of the
# month); Drupal's RSS views put an HTML <time datetime> inside <pubDate>.

GOV = "https://www.gov.example.jp/news"
JP_FEED = f"""<?xml version="1.0" encoding="Shift_JIS"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>報道発表資料</title>
<link>{GOV}/</link>
<description>新着情報</description>
<language>ja</language>
<item>
<title>オーロラ珈琲株式会社に対する行政指導について</title>
<link>{GOV}/20261120-1.html</link>
<guid isPermaLink="true">{GOV}/20261120-1.html</guid>
<description>&lt;p&gt;オーロラ珈琲株式会社の表示について&amp;quot;改善&amp;quot;を求めました。&lt;/p&gt;</description>
<pubDate>Fri, 20 Nov 2026 17:00:00 JST</pubDate>
</item>
<item>
<title>オーロラ珈琲 朝の発表（前日扱い）</title>
<link>{GOV}/20261120-0.html</link>
<guid isPermaLink="true">{GOV}/20261120-0.html</guid>
<pubDate>Fri, 20 Nov 2026 08:30:00 JST</pubDate>
</item>
<item>
<title>オーロラ珈琲の商品回収</title>
<link>{GOV}/recall/aurora-2026</link>
<description>オーロラ珈琲のドリップバッグを自主回収</description>
<pubDate>
  <time datetime="2026-11-20T12:00:00Z">Fri, 11/20/2026 - 21:00</time>
</pubDate>
<dc:creator>食品安全課</dc:creator>
</item>
<item>
<title>オーロラ珈琲 夜の発表</title>
<link>{GOV}/20261120-2.html</link>
<description>オーロラ珈琲&lt;br&gt;二件目</description>
<pubDate>2026/11/20 21:00:00 +0900</pubDate>
</item>
<item>
<title>オーロラ珈琲 日付不明</title>
<link>{GOV}/unknown.html</link>
<pubDate>不明</pubDate>
</item>
</channel>
</rss>
""".encode("shift_jis")


def _jp_feed_source(url: str) -> NewsSource:
    return NewsSource(type="news", base_url=f"{url}/rss", google_news=False,
                      feeds=(f"{url}/gov/rss.xml",))


def _jp_feed_routes() -> list[Route]:
    # No charset in the header: the XML declaration's Shift_JIS applies.
    return [Route("GET", "/gov/rss.xml", Reply(body=JP_FEED, content_type="application/rss+xml"))]


SCENARIOS = [
    Scenario(
        id="news-genuine-guardian-rss",
        source=_guardian_source,
        routes=_guardian_routes,
        brands=(Brand(name="Trump", query='trump OR "state of the union"'),),
        since=datetime(2018, 1, 30, tzinfo=UTC),
        until=datetime(2018, 2, 1, tzinfo=UTC),
        expect_text={
            GUARDIAN_SOTU: "Donald Trump has promised a “new American moment”",
            GUARDIAN_FBI: "FBI has 'grave concerns' about Trump plan",
        },
        narrow=(datetime(2018, 1, 31, 12, tzinfo=UTC), datetime(2018, 2, 1, tzinfo=UTC)),
        fault_nth=0,
        genuine=True,
    ),
    Scenario(
        id="news-google-news-ja-and-atom",
        source=_japanese_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query=AURORA_Q), Brand(name="Borealis", query="borealis")),
        since=datetime(2026, 11, 20, tzinfo=UTC),
        until=datetime(2026, 11, 21, tzinfo=UTC),
        expect_ids=frozenset({
            _gn_id("CBMiJmh0dHBzOi8vd3d3Lm5pa2tlaS5jb20vYXVyb3JhLTAx"),
            _gn_id("CBMiLGh0dHBzOi8vbG9jYWwuZXhhbXBsZS5qcC9hdXJvcmEtMDM"),
            _gn_id("CBMiKmh0dHBzOi8vd3d3Lml0bWVkaWEuY28uanAvYXVyb3JhLTAy"),
            _gn_id("CBMiMmh0dHBzOi8vd3d3LnRoZXZlcmdlLmNvbS9hdXJvcmEtMDY"),
            "tag:coffee-blog.example,2026:post-41",
            "tag:coffee-blog.example,2026:post-40",
        }),
        expect_text={
            _gn_id("CBMiJmh0dHBzOi8vd3d3Lm5pa2tlaS5jb20vYXVyb3JhLTAx"):
                "オーロラ珈琲、冬季限定ブレンドを発売 - 日本経済新聞",
            _gn_id("CBMiKmh0dHBzOi8vd3d3Lml0bWVkaWEuY28uanAvYXVyb3JhLTAy"):
                "「オーロラ珈琲」アプリ障害 & 謝罪 - ITmedia",
            _gn_id("CBMiMmh0dHBzOi8vd3d3LnRoZXZlcmdlLmNvbS9hdXJvcmEtMDY"):
                'Aurora Coffee\'s winter blend is "bold" - The Verge',
            "tag:coffee-blog.example,2026:post-41": 'オーロラ珈琲の冬ブレンドは"深煎り"で美味しい。\n価格は<500円>。',
            "tag:coffee-blog.example,2026:post-40": "keeps crashing at checkout & loses my order",
        },
        narrow=(datetime(2026, 11, 20, 6, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)),
        fault_nth=2,  # the Atom feed (after the two editions of the first brand's search)
    ),
    Scenario(
        id="news-japanese-feed-jst-dates",
        source=_jp_feed_source,
        routes=_jp_feed_routes,
        brands=(Brand(name="Aurora Coffee", query="オーロラ珈琲"),),
        since=datetime(2026, 11, 20, tzinfo=UTC),
        until=datetime(2026, 11, 21, tzinfo=UTC),
        # 08:30 JST is the 19th in UTC; the undated item is skipped.
        expect_ids=frozenset({f"{GOV}/20261120-1.html", f"{GOV}/recall/aurora-2026",
                              f"{GOV}/20261120-2.html"}),
        expect_text={
            f"{GOV}/20261120-1.html": 'オーロラ珈琲株式会社の表示について"改善"を求めました。',
            f"{GOV}/20261120-2.html": "オーロラ珈琲\n二件目",
        },
        # 17:00 JST is 08:00 UTC: outside; the recall (12:00Z) and 21:00 +0900 are inside.
        narrow=(datetime(2026, 11, 20, 10, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)),
        fault_nth=0,
    ),
]
