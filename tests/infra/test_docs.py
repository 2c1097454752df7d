"""The README points only at documents inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_document_the_readme_names_is_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"[`(]([\w./-]+\.md)[`)]", readme))
    assert "docs/domain.md" in named
    for path in named:
        assert not path.startswith(("../", "/")), path
        assert (ROOT / path).is_file(), path
