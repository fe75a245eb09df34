"""Render each golden comment to an HTML page and, when Chromium is installed, screenshot it.

Run `python tests/render_screenshots.py`; pages and PNGs land in tests/screenshots/ (gitignored).
The Markdown goes through cmark-gfm (GitHub's engine) with raw HTML allowed, i.e. *without*
GitHub's sanitizer, so a screenshot shows the worst case of anything our escaping let through.
`<details>` are opened so the cases show.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options

HERE = Path(__file__).resolve().parent
CSS = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; max-width: 900px; overflow-wrap: break-word; margin: 24px auto; padding: 16px 24px;
       border: 1px solid #d1d9e0; border-radius: 6px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
table { border-collapse: collapse; margin: 16px 0; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; padding: .2em .4em; border-radius: 6px; font-size: 85%;
       font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
blockquote { color: #59636e; border-left: .25em solid #d1d9e0; margin: 0; padding: 0 1em; }
details { margin: 8px 0; } summary { cursor: pointer; }
"""
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1000,1400",
]


def page(markdown: str, title: str) -> str:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    html = html.replace("<details>", "<details open>")
    return f"<!doctype html><meta charset=utf-8><title>{title}</title><style>{CSS}</style>\n{html}"


def screenshot(browser: str, html_file: Path, png: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        argv = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            html_file.as_uri(),
        ]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)


def main() -> int:
    out = HERE / "screenshots"
    out.mkdir(exist_ok=True)
    browser = shutil.which("chromium")
    for golden in sorted((HERE / "golden").glob("*.md")):
        html_file = out / f"{golden.stem}.html"
        html_file.write_text(page(golden.read_text(encoding="utf-8"), golden.stem), encoding="utf-8")
        if browser:
            screenshot(browser, html_file, out / f"{golden.stem}.png")
        print(html_file)
    if not browser:
        print("chromium not found: wrote HTML pages only", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
