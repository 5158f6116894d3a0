"""A synthetic newsroom on loopback: N distinct, short, news-like English articles and an RSS feed listing them.

The fault tests need thousands of articles that are ours to generate, different from each other (so that
near-duplicate detection does not fold them into one cluster) and cheap to enrich. Every article is made from
its number alone, so a test knows every URL, title and id in advance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from aiohttp import web

from tests.fetch_server import serve_on_loopback

PEOPLE = ["Maria Lopez", "John Carter", "Aiko Tanaka", "Peter Novak", "Fatima Rahman", "Lars Eriksen", "Grace Obi",
          "Ivan Petrov", "Chen Wei", "Sofia Rossi", "David Cohen", "Amara Diallo", "Tomas Horak", "Nadia Haddad",
          "Oliver Grant", "Elena Ionescu", "Rahul Mehta", "Hannah Weber", "Lucas Silva", "Mei Lin"]
PLACES = ["Lisbon", "Oslo", "Nairobi", "Toronto", "Krakow", "Seville", "Osaka", "Dublin", "Lyon", "Porto",
          "Bergen", "Accra", "Quebec", "Gdansk", "Valencia", "Kyoto", "Cork", "Bordeaux", "Tromso", "Mombasa"]
BODIES = ["the city council", "the port authority", "the health ministry", "the transport agency", "the central bank",
          "the national weather service", "the university hospital", "the regional parliament", "the water utility",
          "the energy regulator"]
SUBJECTS = ["bridge", "tram line", "harbour", "school", "hospital wing", "wind farm", "rail tunnel", "library",
            "ferry route", "power station", "market hall", "airport terminal", "cycle lane", "dam", "stadium"]
VERBS = ["approved", "delayed", "reopened", "cancelled", "expanded", "inspected", "funded", "closed", "redesigned",
         "postponed"]
WORDS = ["budget", "repair", "storm", "flood", "contract", "tender", "union", "strike", "residents",
         "commuters", "engineers", "inspectors", "survey", "deadline", "audit", "protest", "petition", "vote",
         "committee", "report", "delay", "cost", "overrun", "schedule", "safety", "traffic", "emissions",
         "heating", "drought", "harvest", "tourism", "exports", "fishing", "freight", "shipping", "pensions",
         "rents", "housing", "teachers", "nurses", "doctors", "students", "farmers", "drivers", "pilots",
         "volunteers", "suppliers", "investors"]


@dataclass(frozen=True)
class Story:
    number: int
    title: str
    author: str
    published: datetime
    paragraphs: list[str]


def story(number: int) -> Story:
    """Article `number`, the same every time it is asked for."""
    rng = random.Random(number)
    place, subject, verb = rng.choice(PLACES), rng.choice(SUBJECTS), rng.choice(VERBS)
    person, other, body = rng.choice(PEOPLE), rng.choice(PEOPLE), rng.choice(BODIES)
    amount = rng.randint(2, 900)

    def words(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    paragraphs = [
        f"{body.capitalize()} in {place} {verb} the {subject} project on Tuesday, report number {number}, "
        f"after months of talks about {words(6)}.",
        f"\"We have listened to everyone involved,\" said {person}, who leads the project, adding that the "
        f"{amount} million euro plan now covers {words(8)}.",
        f"Critics, among them {other}, warned that {words(10)} could push the cost past {amount + 40} million "
        f"euros by {2027 + number % 5}.",
        f"Residents of {place} were divided: some welcomed the {subject}, others pointed to {words(9)}.",
        f"The next review is due in {rng.choice(['March', 'June', 'September', 'December'])}, when {body} will "
        f"publish figures on {words(7)}.",
    ]
    published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=7 * number)
    title = f"{place} {subject} {verb}: {words(3)} ({number})"
    return Story(number, title, person, published, paragraphs)


def story_html(item: Story) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in item.paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(item.title)} | The Loopback "
            f"Gazette</title><meta name='author' content='{escape(item.author)}'>"
            f"<meta property='article:published_time' content='{item.published.isoformat()}'></head><body>"
            "<nav><a href='/'>Home</a> <a href='/local'>Local</a></nav>"
            f"<article><h1>{escape(item.title)}</h1><p class='byline'>By {escape(item.author)}</p>{paragraphs}"
            "</article><footer>The Loopback Gazette, a synthetic newspaper for tests</footer></body></html>")


@dataclass
class Newsroom:
    """Serves /feed.rss (every article) and /articles/N on 127.0.0.1; with `hosts` > 1 the articles are spread over
    as many loopback addresses (127.0.0.1, 127.0.0.2, ...: fetch requests are keyed by host, so they spread over
    the fetch topic's partitions)."""

    count: int
    port: int = 0
    runner: web.AppRunner | None = None
    served: int = field(default=0)
    hosts: int = 1

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, number: int) -> str:
        return f"http://127.0.0.{1 + number % self.hosts}:{self.port}/articles/{number}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed.rss", self._feed)
        app.router.add_get("/articles/{number:\\d+}", self._article)
        self.runner, self.port = await serve_on_loopback(app, self.port)
        for host in range(2, self.hosts + 1):
            await web.TCPSite(self.runner, f"127.0.0.{host}", self.port).start()

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def _feed(self, _: web.Request) -> web.Response:
        items = "".join(
            f"<item><title>{escape(item.title)}</title><link>{self.url(item.number)}</link>"
            f"<guid>{self.url(item.number)}</guid><pubDate>{format_datetime(item.published)}</pubDate></item>"
            for item in map(story, range(self.count)))
        return web.Response(content_type="application/rss+xml", text=(
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>The Loopback Gazette</title>"
            f"<link>{self.base}/</link>{items}</channel></rss>"))

    async def _article(self, request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        if number >= self.count:
            raise web.HTTPNotFound()
        self.served += 1
        return web.Response(text=story_html(story(number)), content_type="text/html")
