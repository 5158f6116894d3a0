from datetime import date

from benchmarks.extraction_metrics import Scores, authors_f1, body_precision_recall, shingles, title_match


def test_shingles_are_four_token_windows_or_one_short_text():
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("a b") == {("a", "b"): 1}
    assert not shingles("!!")


def test_body_precision_and_recall_over_shingle_multisets():
    assert body_precision_recall("a b c d e", "a b c d") == (0.5, 1.0)
    assert body_precision_recall("", "a b c d") == (None, 0.0)


def test_title_and_authors_normalisation():
    assert title_match("ＮＡＴＯ chief – refutes!", "nato chief refutes")
    assert authors_f1(["Jane Doe", "AFP"], ["jane doe"]) == 2 / 3


def test_f1_is_the_harmonic_mean_of_averaged_precision_and_recall():
    scores = Scores()
    scores.add("a b c d", "a b c d", "t", "t", date(2024, 1, 1), date(2024, 1, 1), ["x"], ["x"])
    scores.add("e f g h", "a b c d", None, "t", None, date(2024, 1, 1), [], ["x"])
    summary = scores.summary()
    assert summary["body_precision"] == 0.5 and summary["body_recall"] == 0.5 and summary["body_f1"] == 0.5
    assert summary["title"] == 0.5 and summary["date"] == 0.5 and summary["authors_f1"] == 0.5
