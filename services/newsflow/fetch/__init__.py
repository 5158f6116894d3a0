"""Fetch stage: feeds, sitemaps and URLs become raw documents (arrives with the fetch issue)."""
