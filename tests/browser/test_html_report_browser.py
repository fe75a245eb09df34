"""report.html driven in headless Chromium from disk: filters, case view, diff, hostile text.

Screenshots land in tests/screenshots/ (gitignored) for a human to look at.
Skips when Selenium, Chromium or chromedriver is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from html_samples import mixed_report

from eval_action.render.html import write_html

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--window-size=1280,900"]

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="headless Chromium and chromedriver are needed (apt-get install chromium chromium-driver)",
)


def _driver(dark: bool) -> Any:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    if dark:
        options.add_argument("--force-dark-mode")
        options.add_argument("--blink-settings=preferredColorScheme=0")
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    write_html(mixed_report(), path)
    return path


@pytest.fixture(scope="module")
def browser(report_file: Path) -> Iterator[Any]:
    driver = _driver(dark=False)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser: Any, report_file: Path) -> Any:
    browser.get(report_file.as_uri())
    return browser


def _shot(driver: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"html_{name}.png"))


def _visible_rows(driver: Any) -> list[Any]:
    return driver.find_elements(By.CSS_SELECTOR, "#cases tbody tr")


def _open(driver: Any, case_id: str) -> Any:
    for row in _visible_rows(driver):
        if row.find_element(By.CSS_SELECTOR, "td.case-id").text == case_id:
            row.send_keys(Keys.ENTER)
            return driver.find_element(By.ID, "case")
    raise AssertionError(f"no row for {case_id}")


def test_summary_shows_the_comment_figures(page: Any) -> None:
    assert page.find_element(By.ID, "headline").text == "✗ Eval — 3/9 cases passed (33.3%) · 1 errored"
    prompts = page.find_elements(By.CSS_SELECTOR, "#prompts tbody tr")
    assert [r.find_element(By.TAG_NAME, "button").text for r in prompts] == [
        "prompts/capitals.prompt.yaml", "prompts/<b>evil</b>.prompt.md"]
    assert "unchanged" in prompts[0].text
    assert "✗ fail\npass rate 60.0% is below min_pass_rate 90%; 1 regressed; 1 errored; 1 flaky" in prompts[0].text
    assert "min_pass_rate" not in page.find_element(By.ID, "notes").text, "each reason is said once, in its row"
    _shot(page, "summary")


def test_filters_sorting_and_search(page: Any) -> None:
    assert len(_visible_rows(page)) == 9
    Select(page.find_element(By.ID, "f-status")).select_by_value("failed")
    failed = [r.find_element(By.CSS_SELECTOR, "td.case-id").text for r in _visible_rows(page)]
    assert failed == ["france", "long", "hostile-0", "hostile-1", "hostile-2"]
    assert page.find_element(By.ID, "count").text == "5 of 9 cases"
    _shot(page, "failures")
    Select(page.find_element(By.ID, "f-prompt")).select_by_index(1)
    page.find_element(By.CSS_SELECTOR, "th[data-sort=latency_ms] button").click()
    by_latency = [r.find_element(By.CSS_SELECTOR, "td.case-id").text for r in _visible_rows(page)]
    assert by_latency == ["long", "france"]
    Select(page.find_element(By.ID, "f-status")).select_by_value("all")
    page.find_element(By.ID, "f-text").send_keys("madrid")
    page.implicitly_wait(0)
    rows = _wait(page, lambda: [r.text for r in _visible_rows(page)] if len(_visible_rows(page)) == 1 else None)
    assert "spain" in rows[0] and "▲ improved" in rows[0]


def test_case_view_shows_diff_reasons_and_facts(page: Any) -> None:
    dialog = _open(page, "france")
    assert dialog.is_displayed()
    text = dialog.text
    assert "'Paris' not found in output" in text and "Names exactly one city" in text
    assert "▼ regressed vs. base" in text and "2.4 s" in text
    deleted = [d.text for d in dialog.find_elements(By.CSS_SELECTOR, "pre.diff del")]
    inserted = [i.text for i in dialog.find_elements(By.CSS_SELECTOR, "pre.diff ins")]
    assert deleted == ["Paris", "Seine"] and inserted == ["Lyon", "Rhône"]
    page.execute_script("document.querySelector('pre.diff').scrollIntoView()")
    _shot(page, "case_diff")
    page.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not dialog.is_displayed()
    assert page.switch_to.active_element.find_element(By.CSS_SELECTOR, "td.case-id").text == "france"


def test_keyboard_moves_between_rows(page: Any) -> None:
    first = _visible_rows(page)[0]
    first.send_keys(Keys.ARROW_DOWN)
    assert page.switch_to.active_element.find_element(By.CSS_SELECTOR, "td.case-id").text == "spain"
    page.switch_to.active_element.send_keys(Keys.ENTER)
    assert page.find_element(By.ID, "case-title").text == "spain"


def test_long_output_is_cut_with_a_note(page: Any) -> None:
    dialog = _open(page, "long")
    assert "✂ Cut: showing 4,000 of 15,000 characters" in dialog.text


def test_hostile_text_stays_inert(page: Any) -> None:
    Select(page.find_element(By.ID, "f-prompt")).select_by_index(2)
    for row_id in ("hostile-0", "hostile-1", "hostile-2"):
        dialog = _open(page, row_id)
        assert "<" in dialog.find_element(By.CSS_SELECTOR, "pre").text
        page.find_element(By.ID, "close").click()
    assert page.execute_script("return window.__pwned") is None
    assert page.find_elements(By.CSS_SELECTOR, "img") == []
    assert len(page.find_elements(By.TAG_NAME, "script")) == 2
    assert page.get_log("browser") == []
    _open(page, "hostile-1")
    _shot(page, "hostile_case")


def test_word_diff_is_a_true_lcs(page: Any) -> None:
    runs = page.execute_script("return window.__evalReport.diffWords('a b c d', 'a x c d e')")
    assert runs == [["=", "a "], ["-", "b"], ["+", "x"], ["=", " c d"], ["+", " e"]]


def test_dark_scheme_is_legible(report_file: Path) -> None:
    driver = _driver(dark=True)
    try:
        driver.get(report_file.as_uri())
        colours = driver.execute_script(
            "const s = getComputedStyle(document.body); return [s.backgroundColor, s.color];")
        assert colours == ["rgb(13, 17, 23)", "rgb(230, 237, 243)"]
        _shot(driver, "summary_dark")
        _open(driver, "france")
        driver.execute_script("document.querySelector('pre.diff').scrollIntoView()")
        _shot(driver, "case_diff_dark")
    finally:
        driver.quit()


def _wait(driver: Any, probe: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 5).until(lambda _: probe())


def test_five_thousand_cases_page_in(browser: Any, tmp_path: Path) -> None:
    from html_samples import big_report

    path = tmp_path / "big.html"
    write_html(big_report(5000, 20_000), path)
    browser.get(path.as_uri())
    assert browser.find_element(By.ID, "count").text == "5,000 of 5,000 cases (first 500 shown)"
    browser.find_element(By.ID, "more").click()
    assert len(_visible_rows(browser)) == 1000
    Select(browser.find_element(By.ID, "f-status")).select_by_value("failed")
    assert browser.find_element(By.ID, "count").text == "1,667 of 5,000 cases (first 500 shown)"
    _open(browser, "case-0")
    assert "✂ Cut: showing 200 of 20,000 characters" in browser.find_element(By.ID, "case").text
    _shot(browser, "big_case")


def test_two_hundred_prompts_failures_first_filters_on_the_first_screen(browser: Any, tmp_path: Path) -> None:
    from html_samples import FAILING, many_prompts

    path = tmp_path / "many.html"
    write_html(many_prompts(), path)
    browser.set_window_size(1280, 900)
    browser.get(path.as_uri())
    rows = [r for r in browser.find_elements(By.CSS_SELECTOR, "#prompts tbody tr") if r.is_displayed()]
    assert [r.find_element(By.TAG_NAME, "button").text for r in rows[:5]] == [
        f"prompts/p{i:03}.prompt.yaml" for i in FAILING]
    assert len(rows) == 6 and "195 prompts passed, unchanged (585 cases)" in rows[5].text
    viewport = browser.execute_script("return window.innerHeight")
    for element in ("f-prompt", "f-status", "f-text"):
        top = browser.execute_script(f"return document.getElementById('{element}').getBoundingClientRect().top")
        assert top < viewport, f"#{element} is {top:.0f} px down, below the first screen ({viewport} px)"
    _shot(browser, "many_prompts")
    rows[5].find_element(By.TAG_NAME, "button").click()
    shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "#prompts tbody tr") if r.is_displayed()]
    assert len(shown) == 201


def test_search_covers_the_prompt_path(page: Any) -> None:
    box = page.find_element(By.ID, "f-text")
    box.clear()
    box.send_keys("evil")
    rows = _wait(page, lambda: _visible_rows(page) if len(_visible_rows(page)) == 3 else None)
    assert {r.find_element(By.CSS_SELECTOR, "td.case-id").text for r in rows} == {"hostile-0", "hostile-1",
                                                                                   "hostile-2"}
    box.clear()
    box.send_keys(Keys.BACKSPACE)


def test_zero_counters_are_not_coloured_as_warnings(browser: Any, tmp_path: Path) -> None:
    from html_samples import many_prompts

    path = tmp_path / "zeros.html"
    write_html(many_prompts(), path)
    browser.get(path.as_uri())
    cells = {li.text.split("\n")[0]: li.find_element(By.TAG_NAME, "strong") for li in
             browser.find_elements(By.CSS_SELECTOR, "#totals li")}
    for label in ("Errored", "Flaky"):
        assert cells[label].text == "0" and cells[label].get_attribute("class") == "zero"
    assert cells["Failed"].get_attribute("class") == "s-failed" and cells["Failed"].text == "15"
    assert cells["Errored"].value_of_css_property("color") != cells["Failed"].value_of_css_property("color")
