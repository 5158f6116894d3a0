"""The four pipeline services and the demo's sample server, in the background (pid files and logs in the state
folder), then the demo: the seed pushed, the sample feed polled, progress per stage, a few searches.

    python infra/embedded/pipeline.py start | stop | status | demo
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from newsflow.wiring import STAGE_NAMES as STAGES  # the composition root's stages, in pipeline order

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("NEWSFLOW_STATE_DIR", REPO / ".state")).resolve()
SAMPLES_PORT = int(os.environ.get("NEWSFLOW_SAMPLES_PORT", 8765))
DEMO_ENV = {  # the demo's feed is served on loopback: allow exactly that address
    "NEWSFLOW_FETCH_ALLOW_NETWORKS": '["127.0.0.1/32"]', "NEWSFLOW_FEEDS_FILE": str(STATE / "demo-feeds.yaml"),
    "NEWSFLOW_LOG_FORMAT": "json",
}


def _pid(name: str) -> int | None:
    try:
        pid = int((STATE / "run" / f"{name}.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _spawn(name: str, command: list[str]) -> str:
    if _pid(name):
        return "reused"
    (STATE / "run").mkdir(parents=True, exist_ok=True)
    (STATE / "logs").mkdir(parents=True, exist_ok=True)
    with (STATE / "logs" / f"{name}.log").open("ab") as log:
        proc = subprocess.Popen(command, env={**os.environ, **DEMO_ENV, **_embeddings_env()}, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=REPO)
    (STATE / "run" / f"{name}.pid").write_text(f"{proc.pid}\n")
    return "started"


def _embeddings_env() -> dict[str, str]:
    """Embeddings on when their optional extra is installed (`make run NEWSFLOW_EXTRAS=embeddings`): then
    `newsflow similar` works on the demo's articles."""
    from newsflow.enrich.embedding import installed

    return {"NEWSFLOW_EMBEDDINGS": "true" if installed() else "false"}


def start() -> None:
    (STATE / "demo-feeds.yaml").write_text(
        f"feeds:\n  - url: http://127.0.0.1:{SAMPLES_PORT}/feed.rss\n    source: example-gazette\n"
        "    poll_interval_s: 300\n    language: en\n")
    server = [sys.executable, str(REPO / "infra/samples/serve.py"), "--port", str(SAMPLES_PORT)]
    print(f"{'samples':<8} {_spawn('samples', server)}  http://127.0.0.1:{SAMPLES_PORT}/feed.rss")
    for stage in STAGES:
        print(f"{stage:<8} {_spawn(stage, [sys.executable, '-m', 'newsflow.cli', 'serve', stage])}"
              f"  log: {STATE / 'logs' / f'{stage}.log'}")


def stop() -> None:
    for name in (*STAGES, "samples"):
        pid = _pid(name)
        if pid:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if _pid(name) is None:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        (STATE / "run" / f"{name}.pid").unlink(missing_ok=True)
        print(f"{name:<8} {'stopped' if pid else 'not running'}")


def status() -> None:
    for name in (*STAGES, "samples"):
        pid = _pid(name)
        print(f"{name:<8} {f'running (pid {pid})' if pid else 'stopped'}")


async def demo(timeout_s: float = 240) -> int:
    from newsflow.common.settings import Settings, redact_url
    from newsflow.fetch.urls import canonical_url
    from newsflow.index.dashboards import TIME_VIEWS, dashboard_url
    from newsflow.index.query import COPIES, SearchFilters, copies_note, search_body
    from newsflow.index.settings import IndexSettings
    from newsflow.index.setup import layout
    from newsflow.search import connect
    from newsflow.tools.commands import send_raw
    from newsflow.tools.push import documents_from
    from newsflow_schemas import article_id_for_url

    settings, index = Settings(), IndexSettings()
    seed = documents_from(REPO / "infra/samples/seed-rt-nato-stoltenberg-2024-03-12.txt", source="RT")
    await send_raw(settings, seed)
    pages = sorted((REPO / "infra/samples/pages").glob("*.html"))
    # the seed just pushed is a new revision: it counts once that revision is searchable (an index kept from an
    # earlier run already holds older ones); a page counts once any revision is (an unchanged page is not re-sent)
    wanted = {seed[0].article_id: seed[0].revision} | {article_id_for_url(canonical_url(
        f"http://127.0.0.1:{SAMPLES_PORT}/{page.name}")): 0 for page in pages}
    engine = await connect(index)
    alias = layout(engine, index).read_alias
    started, count = time.monotonic(), 0
    try:
        while time.monotonic() - started < timeout_s:
            found = await engine.get_many(alias, list(wanted))
            count = sum(doc["revision"] >= wanted[article_id] for article_id, doc in found.items())
            print(f"  {time.monotonic() - started:5.1f} s  {_stage_progress(settings)}  searchable: {count} of "
                  f"{len(wanted)} (the seed, pushed; {len(pages)} sample pages, fetched from the feed)", flush=True)
            if count == len(wanted):
                break
            await asyncio.sleep(3)
        await engine.refresh(alias)
        for query, filters in (("NATO troops", SearchFilters()), ("", SearchFilters(entities=["Jens Stoltenberg"])),
                               ("harbour bridge", SearchFilters())):
            found = await engine.search(alias, search_body(query, filters, size=3))
            label = query or f"entity: {filters.entities[0]}"
            stories = (found.aggregations.get("clusters") or {}).get("value", found.total)
            print(f"\nsearch {label!r}: {found.total} article(s)"
                  + (f" in {stories} stor{'y' if stories == 1 else 'ies'}" if stories < found.total else ""))
            for hit in found.hits:
                print(f"  - {hit.source.get('title')} {copies_note(hit.collapsed.get(COPIES, 1))}".rstrip())
    finally:
        await engine.close()
    dashboards = redact_url(index.dashboards_url)
    print(f"\nDashboards: {dashboard_url(dashboards, index.index_prefix)}")
    print(f"  (by publication time: {dashboard_url(dashboards, index.index_prefix, TIME_VIEWS[1])})")
    print("Logs: make logs      Stop: make stop")
    return 0 if count == len(wanted) else 1


def _stage_progress(settings) -> str:
    """Messages each service handled since it started, from its metrics endpoint: `parse 7 (1 rejected)`."""
    from newsflow.common.ops import ops_port, service_status

    parts = []
    for stage in STAGES:
        found = service_status(stage, f"http://127.0.0.1:{ops_port(stage, settings)}")
        if found is None:
            parts.append(f"{stage} down")
            continue
        others = ", ".join(f"{n} {outcome}" for outcome, n in sorted(found.messages.items()) if outcome != "ok" and n)
        parts.append(f"{stage} {found.messages.get('ok', 0)}" + (f" ({others})" if others else ""))
    return " · ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "demo"])
    command = parser.parse_args().command
    if command == "demo":
        return asyncio.run(demo())
    {"start": start, "stop": stop, "status": status}[command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
