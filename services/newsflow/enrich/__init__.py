"""Enrich stage: language, entities, quotes, keyphrases, amounts, sentiment, near-duplicates."""
