"""Fetch stage: feeds, sitemaps and URLs become raw documents."""
