"""Saved objects for Kibana and OpenSearch Dashboards, in the 7.10 format both import (Kibana 8 migrates it).

Articles have two time axes, and an analyst needs both: when they were ingested (what the pipeline just did;
the default, so a fresh `make run` shows its articles whenever they were published) and when they were
published. Each axis gets an index pattern with that time field, a saved search of cluster roots (one article per
near-duplicate story), five visualisations, a note linking to the other axis, and a dashboard.

Generated for an index prefix, so that each deployment (and each test) gets objects pointing at its own
read alias. `newsflow dashboards import` sends them to the configured Dashboards/Kibana.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from newsflow.search.settings import SearchSettings

VERSION = "7.10.0"


@dataclass(frozen=True)
class TimeView:
    """One way to put the articles on a time axis: its own index pattern, visualisations and dashboard."""

    suffix: str  # of every object id: "" for the default view
    label: str
    field: str
    time_from: str  # the range the dashboard opens on (an analyst can change it)


#: ingestion time first: the dashboard `make run` links to shows what was just ingested, whenever it was published
TIME_VIEWS = (TimeView("", "ingestion time", "ingested_at", "now-7d"),
              TimeView("-published", "publication time", "published.utc", "now-5y"))


#: KQL: an article that is no near-duplicate of an earlier one (the root of its cluster)
ROOTS_ONLY = "not duplicates.duplicate_of:*"


def dashboard_id(index_prefix: str, view: TimeView = TIME_VIEWS[0]) -> str:
    return f"{index_prefix}-dashboard{view.suffix}"


def dashboard_url(dashboards_url: str, index_prefix: str, view: TimeView = TIME_VIEWS[0]) -> str:
    """The dashboard's address, opening on its own time range (the one `make run` prints)."""
    return f"{dashboards_url}/app/dashboards#/view/{dashboard_id(index_prefix, view)}"


def saved_objects(index_prefix: str) -> list[dict[str, Any]]:
    return [obj for view in TIME_VIEWS for obj in _view_objects(index_prefix, view)]


def _view_objects(index_prefix: str, view: TimeView) -> list[dict[str, Any]]:
    pattern_id = f"{index_prefix}-articles{view.suffix}"
    reference = [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern",
                  "id": pattern_id}]
    other = next(v for v in TIME_VIEWS if v != view)
    visualisations = [
        _visualisation(f"{index_prefix}-time-views{view.suffix}", "Time axis", "markdown", [], {
            "fontSize": 12, "openLinksInNewTab": False,
            "markdown": f"Articles by **{view.label}** (`{view.field}`). The same dashboard by {other.label}: "
                        f"[open it](/app/dashboards#/view/{dashboard_id(index_prefix, other)})."}, []),
        _visualisation(f"{index_prefix}-by-source{view.suffix}", f"Articles over time by source ({view.label})",
                       "histogram", [_count(), _date_histogram("2", "segment", view.field),
                                     _terms("3", "group", "source.name", 10)], _histogram_params(), reference),
        _visualisation(f"{index_prefix}-top-entities{view.suffix}", "Top entities", "table",
                       [_count(), _terms("2", "bucket", "entity_names", 20)], _table_params(), reference),
        _visualisation(f"{index_prefix}-languages{view.suffix}", "Languages", "pie",
                       [_count(), _terms("2", "segment", "language.code", 20)], _pie_params(), reference),
        _visualisation(f"{index_prefix}-sentiment{view.suffix}", "Sentiment", "pie",
                       [_count(), _terms("2", "segment", "sentiment.label", 5)], _pie_params(), reference),
        _visualisation(f"{index_prefix}-duplicate-clusters{view.suffix}", "Largest duplicate clusters", "table",
                       [_count(), _terms("2", "bucket", "duplicates.cluster_id", 20)], _table_params(), reference),
    ]
    search = {
        "id": f"{index_prefix}-latest{view.suffix}", "type": "search", "migrationVersion": {"search": "7.9.3"},
        "attributes": {"title": f"newsflow: latest articles by {view.label} (one per near-duplicate cluster)",
                       "description": "cluster roots only: copies of a story are counted in the duplicates table",
                       "hits": 0, "columns": ["title", "source.name", "language.code", "authors"],
                       "sort": [[view.field, "desc"]],
                       "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({
                           "query": {"query": ROOTS_ONLY, "language": "kuery"}, "filter": [],
                           "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"})}},
        "references": reference,
    }
    # the note on the time axis across the top, then the charts two by two, then the saved search
    grid = [{"x": 0, "y": 0, "w": 48, "h": 4}, *({"x": 24 * (n % 2), "y": 4 + 15 * (n // 2), "w": 24, "h": 15}
                                                  for n in range(len(visualisations)))]
    panels = [{"version": VERSION, "gridData": {**grid[n], "i": str(n)}, "panelIndex": str(n),
               "embeddableConfig": {}, "panelRefName": f"panel_{n}"} for n in range(len(visualisations) + 1)]
    dashboard = {
        "id": dashboard_id(index_prefix, view), "type": "dashboard", "migrationVersion": {"dashboard": "7.9.3"},
        "attributes": {"title": f"newsflow: news ingestion by {view.label}",
                       "description": f"What the pipeline indexed, on the axis of {view.label}",
                       "panelsJSON": json.dumps(panels), "optionsJSON": json.dumps({"hidePanelTitles": False,
                                                                                    "useMargins": True}),
                       "timeRestore": True, "timeFrom": view.time_from, "timeTo": "now", "version": 1,
                       "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                           {"query": {"query": "", "language": "kuery"}, "filter": []})}},
        "references": [{"name": f"panel_{n}", "type": obj["type"], "id": obj["id"]}
                       for n, obj in enumerate([*visualisations, search])],
    }
    index_pattern = {
        "id": pattern_id, "type": "index-pattern", "migrationVersion": {"index-pattern": "7.6.0"},
        "attributes": {"title": f"{index_prefix}-articles", "timeFieldName": view.field}, "references": [],
    }
    return [index_pattern, search, *visualisations, dashboard]


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n" for obj in objects)


async def import_saved_objects(settings: SearchSettings) -> dict[str, Any]:
    """Import (overwriting) into Dashboards or Kibana; returns the server's answer."""
    auth = settings.search_basic_auth()
    headers = {"osd-xsrf": "true", "kbn-xsrf": "true"}  # OpenSearch Dashboards / Kibana
    files = {"file": ("newsflow.ndjson", to_ndjson(saved_objects(settings.index_prefix)), "application/ndjson")}
    async with httpx.AsyncClient(auth=auth, headers=headers, timeout=60) as client:
        response = await client.post(f"{settings.dashboards_url}/api/saved_objects/_import",
                                     params={"overwrite": "true"}, files=files)
    response.raise_for_status()
    return response.json()


def _visualisation(object_id: str, title: str, kind: str, aggs: list[dict[str, Any]], params: dict[str, Any],
                   reference: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": object_id, "type": "visualization", "migrationVersion": {"visualization": "7.10.0"},
        "attributes": {
            "title": title, "description": "", "version": 1, "uiStateJSON": "{}",
            "visState": json.dumps({"title": title, "type": kind, "aggs": aggs, "params": params}),
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({
                "query": {"query": "", "language": "kuery"}, "filter": [],
                "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"})},
        },
        "references": reference,
    }


def _count() -> dict[str, Any]:
    return {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}


def _terms(agg_id: str, schema: str, field: str, size: int) -> dict[str, Any]:
    return {"id": agg_id, "enabled": True, "type": "terms", "schema": schema,
            "params": {"field": field, "size": size, "order": "desc", "orderBy": "1", "otherBucket": False,
                       "missingBucket": False}}


def _date_histogram(agg_id: str, schema: str, time_field: str) -> dict[str, Any]:
    return {"id": agg_id, "enabled": True, "type": "date_histogram", "schema": schema,
            "params": {"field": time_field, "interval": "auto", "min_doc_count": 1, "extended_bounds": {}}}


def _histogram_params() -> dict[str, Any]:
    return {
        "type": "histogram", "addTooltip": True, "addLegend": True, "legendPosition": "right", "times": [],
        "addTimeMarker": False, "grid": {"categoryLines": False},
        "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": "bottom", "show": True,
                          "scale": {"type": "linear"}, "labels": {"show": True, "filter": True, "truncate": 100},
                          "title": {}}],
        "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value", "position": "left", "show": True,
                       "scale": {"type": "linear", "mode": "normal"},
                       "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                       "title": {"text": "Articles"}}],
        "seriesParams": [{"show": True, "type": "histogram", "mode": "stacked", "data": {"label": "Articles",
                                                                                         "id": "1"},
                          "valueAxis": "ValueAxis-1", "drawLinesBetweenPoints": True, "lineWidth": 2,
                          "showCircles": True}],
    }


def _pie_params() -> dict[str, Any]:
    return {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True,
            "labels": {"show": False, "values": True, "last_level": True, "truncate": 100}}


def _table_params() -> dict[str, Any]:
    return {"perPage": 10, "showPartialRows": False, "showMetricsAtAllLevels": False,
            "sort": {"columnIndex": None, "direction": None}, "showTotal": False, "totalFunc": "sum",
            "percentageCol": ""}
