"""newsflow: event-driven news ingestion (fetch -> parse -> enrich -> index)."""

__version__ = "0.1.0"
