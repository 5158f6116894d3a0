"""Saved objects for Kibana and OpenSearch Dashboards, in the 7.10 format both import (Kibana 8 migrates it):
an index pattern with its time field, a saved search, five visualisations and a dashboard.

Generated for an index prefix, so that each deployment (and each test) gets objects pointing at its own
read alias. `newsflow dashboards import` sends them to the configured Dashboards/Kibana.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from newsflow.common.settings import Settings

VERSION = "7.10.0"


def saved_objects(index_prefix: str) -> list[dict[str, Any]]:
    pattern_id = f"{index_prefix}-articles"
    reference = [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern",
                  "id": pattern_id}]
    visualisations = [
        _visualisation(f"{index_prefix}-by-source", "Articles over time by source", "histogram",
                       [_count(), _date_histogram("2", "segment"), _terms("3", "group", "source.name", 10)],
                       _histogram_params(), reference),
        _visualisation(f"{index_prefix}-top-entities", "Top entities", "table",
                       [_count(), _terms("2", "bucket", "entity_names", 20)], _table_params(), reference),
        _visualisation(f"{index_prefix}-languages", "Languages", "pie",
                       [_count(), _terms("2", "segment", "language.code", 20)], _pie_params(), reference),
        _visualisation(f"{index_prefix}-sentiment", "Sentiment", "pie",
                       [_count(), _terms("2", "segment", "sentiment.label", 5)], _pie_params(), reference),
        _visualisation(f"{index_prefix}-duplicate-clusters", "Largest duplicate clusters", "table",
                       [_count(), _terms("2", "bucket", "duplicates.cluster_id", 20)], _table_params(), reference),
    ]
    search = {
        "id": f"{index_prefix}-latest", "type": "search", "migrationVersion": {"search": "7.9.3"},
        "attributes": {"title": "newsflow: latest articles", "description": "", "hits": 0,
                       "columns": ["title", "source.name", "language.code", "authors"],
                       "sort": [["published.utc", "desc"]],
                       "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({
                           "query": {"query": "", "language": "kuery"}, "filter": [],
                           "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"})}},
        "references": reference,
    }
    panels = [{"version": VERSION, "gridData": {"x": 24 * (n % 2), "y": 15 * (n // 2), "w": 24, "h": 15,
                                                "i": str(n)},
               "panelIndex": str(n), "embeddableConfig": {}, "panelRefName": f"panel_{n}"}
              for n in range(len(visualisations) + 1)]
    dashboard = {
        "id": f"{index_prefix}-dashboard", "type": "dashboard", "migrationVersion": {"dashboard": "7.9.3"},
        "attributes": {"title": "newsflow: news ingestion", "description": "What the pipeline indexed",
                       "panelsJSON": json.dumps(panels), "optionsJSON": json.dumps({"hidePanelTitles": False,
                                                                                    "useMargins": True}),
                       "timeRestore": True, "timeFrom": "now-30d", "timeTo": "now", "version": 1,
                       "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                           {"query": {"query": "", "language": "kuery"}, "filter": []})}},
        "references": [{"name": f"panel_{n}", "type": obj["type"], "id": obj["id"]}
                       for n, obj in enumerate([*visualisations, search])],
    }
    index_pattern = {
        "id": pattern_id, "type": "index-pattern", "migrationVersion": {"index-pattern": "7.6.0"},
        "attributes": {"title": pattern_id, "timeFieldName": "published.utc"}, "references": [],
    }
    return [index_pattern, search, *visualisations, dashboard]


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n" for obj in objects)


async def import_saved_objects(settings: Settings) -> dict[str, Any]:
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


def _date_histogram(agg_id: str, schema: str) -> dict[str, Any]:
    return {"id": agg_id, "enabled": True, "type": "date_histogram", "schema": schema,
            "params": {"field": "published.utc", "interval": "auto", "min_doc_count": 1, "extended_bounds": {}}}


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
