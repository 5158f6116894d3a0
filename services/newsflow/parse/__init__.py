"""Parse stage: raw HTML or pushed plain text becomes a structured article."""
