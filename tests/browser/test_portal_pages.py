"""Every page kind in real headless Chromium, wide and narrow: no raw Markdown in the visible
text, no page wider than the screen (tables scroll inside their own box), a screenshot of each
for review; and a crawl of the whole site: every internal link resolves."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.browser.conftest import OUTPUT
from tests.browser.test_portal import open_page

pytestmark = pytest.mark.browser

PAGE_KINDS = {
    "home": "", "domain": "domains/finance/", "product": "products/finance.campaign/",
    "topic": "topics/finance.campaign._public.sale/", "access": "access/", "access matrix": "access/health/", "pii": "pii/", "flows": "flows/",
    "tags": "tags/", "problems": "problems/", "owners": "owners/", "changes": "changes/", "chargeback": "chargeback/",
}
RAW_MARKDOWN = ("](", "\\_", "\\.", "**", "|---")


@pytest.mark.parametrize("width", [1440, 390])
def test_every_page_kind_reads_right_at_this_width(browser, base_url, width):
    browser.set_window_size(width, 900)
    problems = {}
    try:
        for kind, path in PAGE_KINDS.items():
            open_page(browser, base_url + path)
            text = browser.execute_script("return document.querySelector('.md-content').innerText")
            raw = [token for token in RAW_MARKDOWN if token in text]
            # wider than the window, apart from tables and graphs that scroll in their own box
            overflow = browser.execute_script("""
                const width = document.documentElement.clientWidth;
                return [...document.querySelectorAll('.md-content *')].filter(e => {
                  const r = e.getBoundingClientRect();
                  if (r.right <= width + 1) return false;
                  for (let p = e; p; p = p.parentElement) {
                    const style = getComputedStyle(p);
                    if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && p !== e) return false;
                  }
                  return true;
                }).slice(0, 3).map(e => e.tagName + '.' + e.className);""")
            page_width = browser.execute_script("return document.documentElement.scrollWidth")
            if raw or overflow or page_width > width + 1:
                problems[kind] = {"raw markdown": raw, "overflowing": overflow, "page width": page_width}
            browser.save_screenshot(str(OUTPUT / f"page-{kind}-{width}.png"))
    finally:
        browser.set_window_size(1400, 1000)
    assert problems == {}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link"):
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def test_every_internal_link_of_the_site_resolves(site: Path):
    broken, checked = [], 0
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # served at any depth: MkDocs links it from the site root (with site_url)
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for href in parser.hrefs:
            url = urlparse(href)
            if url.scheme or href.startswith(("#", "//")) or not url.path:
                continue
            path = unquote(url.path)
            target = (site / path.lstrip("/") if path.startswith("/") else page.parent / path).resolve()
            checked += 1
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"{page.relative_to(site)} -> {href}")
    assert checked > 500 and broken == [], broken[:20]


def test_search_index_and_pages_hold_no_escaped_markdown_in_titles(site: Path):
    for page in (site / "owners" / "index.html", site / "access" / "index.html"):
        title = re.search(r"<title>(.*?)</title>", page.read_text()).group(1)
        assert "\\" not in title, title


def test_the_pii_maps_who_may_read_column_is_in_view_at_1440(browser, base_url):
    browser.set_window_size(1440, 900)
    try:
        open_page(browser, base_url + "pii/")
        right, edge = browser.execute_script("""
            const th = [...document.querySelectorAll('.md-content th')].find(e => e.innerText.trim() === 'Who may read');
            const box = th.closest('.md-typeset__scrollwrap') || document.documentElement;
            return [th.getBoundingClientRect().right, Math.min(box.getBoundingClientRect().right, window.innerWidth)];""")
    finally:
        browser.set_window_size(1400, 1000)
    assert right <= edge + 1


def graph_ready(browser, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(
        lambda d: d.execute_script("return [...document.querySelectorAll('.specmesh-flow')].every("
                                   "g => g.getAttribute('data-ready') === 'true')"))


@pytest.mark.parametrize("path, expected_link", [
    ("flows/", "products/finance.campaign/"),
    ("products/finance.campaign/", "topics/finance.campaign._public.sale/"),
])
def test_graph_nodes_are_links_with_readable_text(browser, base_url, path, expected_link):
    open_page(browser, base_url + path)
    graph_ready(browser)
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('.specmesh-flow svg a.smd-node-link')].map(a => a.getAttribute('href'))")
    assert hrefs and any(h.endswith(expected_link) for h in hrefs), hrefs
    smallest = browser.execute_script("""
        const sizes = [];
        document.querySelectorAll('.specmesh-flow svg').forEach(svg => {
          const scale = svg.getBoundingClientRect().width / (svg.viewBox.baseVal.width || svg.getBoundingClientRect().width);
          svg.querySelectorAll('g.node .nodeLabel, g.node text').forEach(label =>
            sizes.push(parseFloat(getComputedStyle(label).fontSize) * scale));
        });
        return sizes.length ? Math.min(...sizes) : -1;""")
    assert smallest >= 11, smallest  # px on screen, at default zoom
    target = next(h for h in hrefs if h.endswith(expected_link))
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                           browser.find_element("css selector", f'.specmesh-flow svg a[href="{target}"]'))
    open_page(browser, browser.current_url)
    assert browser.current_url.endswith(expected_link), browser.current_url


def test_the_estate_graph_zooms_and_pans(browser, base_url):
    open_page(browser, base_url + "flows/")
    graph_ready(browser)
    width = lambda: browser.execute_script("return document.querySelector('.specmesh-flow svg').getBoundingClientRect().width")  # noqa: E731
    before = width()
    browser.find_element("css selector", ".smd-zoom button[title='Zoom in']").click()
    assert width() > before * 1.2
    browser.find_element("css selector", ".smd-zoom button[title='Actual size']").click()
    assert abs(width() - before) < 1
    links = browser.execute_script("return [...document.querySelectorAll('.md-content a')].map(a => a.href)")
    assert any(h and h.endswith("flows/finance/") for h in links)  # filter by domain


def test_a_raw_schema_opens_coloured_and_stays_text(browser, base_url):
    open_page(browser, base_url + "topics/health.fitness._protected.workout/")
    boxes = browser.find_elements("css selector", "details.smd-raw summary")
    assert len(boxes) == 2
    boxes[1].click()
    from selenium.webdriver.support.ui import WebDriverWait

    script = "return [...document.querySelectorAll('details.smd-raw[open] pre.smd-source span')].map(s => s.className)"
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(script))  # the toggle event comes a task later
    spans = browser.execute_script(script)
    assert {"smd-k", "smd-s"} <= set(spans)
    text = browser.execute_script("return document.querySelectorAll('details.smd-raw')[1].querySelector('code').textContent")
    assert '"WorkoutKind"' in text
