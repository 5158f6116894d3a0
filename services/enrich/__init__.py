"""Enrich stage: language, entities, quotes, keyphrases, sentiment, duplicates, embeddings (enrich issue)."""
