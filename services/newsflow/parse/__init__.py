"""Parse stage: raw HTML or pushed plain text becomes a structured article (arrives with the parse issue)."""
