"""Shared test helpers: paths into the repository and the shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the shared folder (seed, datasets) sits beside the checkout, in CI too; NEWSFLOW_SHARED_DIR moves it
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
