"""Index stage: enriched articles into Elasticsearch/OpenSearch, effectively once."""
