"""Each golden comment rendered by GitHub's Markdown engine and photographed in headless Chromium,
so a person can look at what reviewers will see (tests/screenshots/, not committed)."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

import render_screenshots


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian `chromium` is not installed: apt-get install -y chromium")
@pytest.mark.timeout(300)
def test_every_golden_comment_is_photographed() -> None:
    assert render_screenshots.main() == 0
    shots = render_screenshots.HERE / "screenshots"
    for golden in sorted((render_screenshots.HERE / "golden").glob("*.md")):
        png = shots / f"{golden.stem}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        width, height = struct.unpack(">II", png.read_bytes()[16:24])
        assert (width, height) == (1000, 1400)
        assert png.stat().st_size > 10_000, f"{png} looks blank"


def test_pages_are_written_without_a_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(render_screenshots, "HERE", _copy_goldens(tmp_path))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render_screenshots.main() == 0
    page = (tmp_path / "screenshots/hostile.html").read_text()
    assert "<script>alert" not in page and "<img" not in page


def _copy_goldens(tmp_path: Path) -> Path:
    shutil.copytree(render_screenshots.HERE / "golden", tmp_path / "golden")
    return tmp_path
