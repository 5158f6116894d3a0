"""Near-duplicate detection measured on the dev set plus rewritten copies of it.

Every dev-set article (title and body as the ground truth gives them) is added first; then, in shuffled order,
one rewritten copy of each: paragraphs dropped or reordered, site boilerplate added, and 5-10% of the words
changed. A copy must be found as a duplicate of its original (recall); a duplicate verdict must name the right
original (precision); no original may be merged with another original (false merges).

    python -m benchmarks.dedup_eval
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import dataclass

from benchmarks.devset import pages
from newsflow.enrich.duplicates import MemoryBandStore, find_duplicates, shingles

BOILERPLATE = ["Subscribe to our newsletter for the latest updates.", "Follow us on social media.",
               "This article was originally published by our partners. All rights reserved.",
               "Read more: the week's top stories in one place."]


@dataclass
class DedupScores:
    copies: int
    found: int  # copies detected as duplicates
    correct: int  # ... of the right original (or of an original that is the same story, see below)
    false_merges: int  # originals merged into a different story
    same_story_pairs: int  # originals that are the same article republished (their merge is right)

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.copies if self.copies else 0.0


def rewrite(text: str, rng: random.Random) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) > 3 and rng.random() < 0.5:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))  # drop one (not the first)
    if len(paragraphs) > 2 and rng.random() < 0.5:
        i, j = rng.sample(range(len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    words = "\n\n".join(paragraphs).split(" ")
    share = rng.uniform(0.05, 0.10)
    for index in rng.sample(range(len(words)), max(1, int(len(words) * share))):
        words[index] = rng.choice(["reportedly", "however", "officials", "new", "major", "local", "said"])
    return " ".join(words) + "\n\n" + rng.choice(BOILERPLATE)


def same_story(originals: dict[str, str]) -> dict[str, set[str]]:
    """Originals that are one article published twice (exact Jaccard of their shingles >= 0.5)."""
    sets = {article_id: shingles(text, "en") for article_id, text in originals.items()}
    twins: dict[str, set[str]] = {article_id: {article_id} for article_id in sets}
    ids = list(sets)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if len(sets[a] & sets[b]) / len(sets[a] | sets[b]) >= 0.5:
                twins[a].add(b)
                twins[b].add(a)
    return twins


async def evaluate(seed: int = 7) -> DedupScores:
    rng = random.Random(seed)
    store = MemoryBandStore()
    originals = {hashlib.sha256(page.key.encode()).hexdigest(): f"{page.title}\n\n{page.body}" for page in pages()}
    twins = same_story(originals)
    false_merges = 0
    for article_id, text in originals.items():
        verdict = await find_duplicates(article_id, text, "en", "", store)
        false_merges += verdict.duplicate_of is not None and verdict.duplicate_of not in twins[article_id]
    copies = [(article_id, rewrite(text, rng)) for article_id, text in originals.items()]
    rng.shuffle(copies)
    found = correct = 0
    for original_id, text in copies:
        verdict = await find_duplicates(f"copy-{original_id}", text, "en", "", store)
        found += verdict.duplicate_of is not None
        correct += verdict.duplicate_of in twins[original_id]
    pairs = sum(len(group) - 1 for group in twins.values()) // 2
    return DedupScores(copies=len(copies), found=found, correct=correct, false_merges=false_merges,
                       same_story_pairs=pairs)


def main() -> None:
    scores = asyncio.run(evaluate())
    print(f"near-duplicates on {scores.copies} dev-set articles + {scores.copies} rewritten copies: "
          f"precision {scores.precision:.3f}, recall {scores.recall:.3f}, false merges of different articles "
          f"{scores.false_merges} ({scores.same_story_pairs} pair(s) of originals are one article republished)")


if __name__ == "__main__":
    main()
