"""`newsflow push` refuses, with one clear line and before sending anything, what the pipeline would refuse."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsflow.cli import app


@pytest.mark.parametrize("name, body, args, says", [
    ("big.html", b"<p>" + b"x" * (20 * 1024 * 1024) + b"</p>", [], "over the limit of 5242880 bytes"),
    ("photo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, ["--url", "https://news.example.org/a"],
     "the file is a PNG image, not HTML or text"),
    ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", ["--url", "https://news.example.org/r"],
     "the file is a PDF document"),
    ("latin1.txt", "Straßen in München".encode("latin-1"), ["--url", "https://news.example.org/s"],
     "plain text must be UTF-8"),
    ("story.txt", b"A story\n\nMarch 12, 2024\n\nText of it.", ["--url", "javascript:alert(1)"],
     "--url not an absolute http(s) URL"),
])
def test_push_refuses_with_one_line_before_sending(tmp_path, name, body, args, says):
    path = tmp_path / name
    path.write_bytes(body)
    result = CliRunner().invoke(app, ["push", str(path), *args],
                                env={"NEWSFLOW_KAFKA_BOOTSTRAP": "127.0.0.1:1", "COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in result.output and "Traceback" not in result.output
    assert result.output.startswith("refused:")
