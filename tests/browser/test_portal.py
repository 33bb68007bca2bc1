"""The portal in real headless Chromium: navigation, search, access matrix, offline Mermaid, no script injection."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import OUTPUT

pytestmark = pytest.mark.browser


def wait(driver, seconds: float = 15):
    return WebDriverWait(driver, seconds)


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def requested_hosts(driver) -> set[str]:
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith("http"):
                hosts.add(urlparse(url).hostname)
    return hosts


def open_page(driver, url: str):
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_home_shows_the_estate(browser, base_url):
    open_page(browser, base_url)
    text = browser.find_element(By.TAG_NAME, "article").text
    assert "ACME data products" in browser.title
    for name in ("finance.campaign", "health.fitness", "platform.control_plane", "retail.checkout", "evil.corp"):
        assert name in text
    browser.save_screenshot(str(OUTPUT / "home.png"))
    assert console_errors(browser) == []


@pytest.mark.parametrize("query, topic, shown", [
    ("duration_s", "health.fitness._protected.workout", "duration_s"),  # a field
    ("scoring", "health.life_enhancer._public.user-score", "scoring"),  # a tag
    ("campaign-budget", "finance.campaign._protected.campaign-budget", "campaign-budget"),  # a topic's name
], ids=["field", "tag", "topic"])
def test_search_and_follow_the_first_hit_to_its_topic(browser, base_url, query, topic, shown):
    open_page(browser, base_url)
    box = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.click()
    box.send_keys(query)
    hit = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, ".md-search-result__item a")))
    browser.save_screenshot(str(OUTPUT / f"search-{query}.png"))
    hit.click()
    wait(browser).until(lambda d: topic in d.current_url)
    assert shown in browser.find_element(By.TAG_NAME, "article").text


@pytest.mark.parametrize("reader, topic, expected, css", [
    ("health.life_enhancer", "health.fitness._protected.workout", "granted · reads", "smd-granted"),
    ("retail.checkout", "platform.control_plane._protected.users", "granted · reads", "smd-granted"),
    ("health.life_enhancer", "finance.campaign._protected.campaign-budget", "denied", "smd-denied"),
    ("finance.campaign", "finance.campaign._public.sale", "owner", "smd-owner"),
    ("evil.corp", "health.fitness._protected.workout", "denied · reads", "smd-violation"),
])
def test_access_matrix_cells(browser, base_url, reader, topic, expected, css):
    open_page(browser, base_url + "access/")  # the overview: one row per domain, each a link to its matrix
    browser.find_element(By.LINK_TEXT, topic.split(".")[0]).click()
    wait(browser).until(lambda d: d.current_url.rstrip("/").endswith("access/" + topic.split(".")[0]))
    cell = browser.find_element(By.CSS_SELECTOR, f"td[data-reader='{reader}'][data-topic='{topic}']")
    assert cell.text == expected and css in cell.get_attribute("class").split()
    if css == "smd-violation":
        color = cell.value_of_css_property("background-color")
        assert color.startswith("rgba(198, 40, 40"), color  # red
        browser.save_screenshot(str(OUTPUT / "access.png"))


def test_flow_graph_renders_as_svg_offline(browser, base_url):
    browser.get_log("performance")  # start from a clean log
    open_page(browser, base_url + "flows/")
    svg = wait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".specmesh-flow svg")))
    assert svg.size["width"] > 100
    assert "health.fitness._protected.workout" in svg.get_attribute("innerHTML")  # a topic node's label
    labels = browser.execute_script(
        "return Array.from(arguments[0].querySelectorAll('.node')).map(n => n.textContent.trim())", svg)
    assert "finance.campaign._protected.campaign-budget" in labels, labels  # long names whole, not cut
    assert len(svg.find_elements(By.CSS_SELECTOR, ".node")) >= 12
    browser.save_screenshot(str(OUTPUT / "flows.png"))
    assert requested_hosts(browser) == {"127.0.0.1"}
    assert console_errors(browser) == []


def test_hostile_descriptions_render_as_text_and_run_nothing(browser, base_url):
    for page in ("products/evil.corp/", "topics/evil.corp._public.events/", ""):
        open_page(browser, base_url + page)
        time.sleep(0.3)
        assert browser.execute_script("return window.__pwned === undefined"), page
        assert browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript:'], img[src='x'], img[src='y']") == [], page
    open_page(browser, base_url + "products/evil.corp/")
    text = browser.find_element(By.TAG_NAME, "article").text
    assert "<script>window.__pwned = 1</script>" in text or "<script>window.__pwned = 1</script>" in browser.title
    assert '<img src=x onerror="window.__pwned = 2">' in text and "[click me](javascript:window.__pwned=3)" in text
    browser.save_screenshot(str(OUTPUT / "hostile.png"))


def test_no_console_errors_on_any_page(browser, base_url, site: Path):
    pages = site_pages(site)
    assert len(pages) > 30
    browser.get_log("browser")
    failures = {}
    for page in pages:
        open_page(browser, base_url + ("" if page == "." else page + "/"))
        errors = console_errors(browser)
        if errors:
            failures[page] = errors
    assert failures == {}


def site_pages(site: Path) -> list[str]:
    return sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html"))


def assert_not_pwned(browser, where: str) -> None:
    time.sleep(0.2)  # let onerror/onload handlers fire
    assert browser.execute_script("return window.__pwned === undefined"), f"script ran on {where}"


def test_no_hostile_value_runs_on_any_page_or_in_search(browser, hostile_url, hostile_site: Path):
    pages = site_pages(hostile_site)
    assert len(pages) >= 8
    for page in pages:
        open_page(browser, hostile_url + ("" if page == "." else page + "/"))
        assert_not_pwned(browser, page)
        for element in browser.find_elements(By.CSS_SELECTOR, "a, img, svg, [onmouseover]"):
            if element.is_displayed():
                try:
                    ActionChains(browser).move_to_element(element).perform()
                except Exception:  # an element the pointer cannot reach (off-screen, covered): nothing to hover
                    pass
        assert_not_pwned(browser, page + " (hovered)")
    open_page(browser, hostile_url)
    for query in ("img", "pwned", "onerror", "script", "evil", "ev"):
        box = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
        box.click()
        box.clear()
        box.send_keys(query)
        time.sleep(1.0)  # results render as they arrive
        assert_not_pwned(browser, f"search {query!r}")
    assert "<img src=x onerror=window.__pwned=14>" in browser.title  # the hostile title shows as text
    browser.save_screenshot(str(OUTPUT / "hostile-search.png"))


def test_hostile_names_show_as_the_text_they_are(browser, hostile_url, hostile_site: Path):
    topic = next(p for p in site_pages(hostile_site) if p.startswith("topics/"))
    open_page(browser, hostile_url + topic + "/")
    text = browser.find_element(By.TAG_NAME, "article").text
    assert "_public.ev<img src=x onerror=window.__pwned=12>" in text
    assert "<img src=x onerror=window.__pwned=13>" in browser.find_element(By.TAG_NAME, "body").text  # the tag
    assert browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript:'], img[src='x']") == []


def test_the_request_access_box_follows_the_domain_typed(browser, base_url):
    open_page(browser, base_url + "topics/finance.campaign._protected.campaign-budget/")
    box = browser.find_element(By.CSS_SELECTOR, ".smd-request")
    command = box.find_element(By.CSS_SELECTOR, ".smd-request-command")
    assert "--for DOMAIN" in command.text
    field = box.find_element(By.CSS_SELECTOR, ".smd-request-domain")
    field.send_keys("retail.checkout")
    assert command.text.startswith("specmesh request-access finance.campaign._protected.campaign-budget "
                                   "--for retail.checkout --reason")
    field.clear()
    field.send_keys('x"><img src=x onerror=window.__pwned=99>')
    assert "<" not in command.text and '"x' not in command.text and "--for ximgsrcxonerrorwindow.__pwned99" in command.text
    assert browser.execute_script("return window.__pwned === undefined")
    assert console_errors(browser) == []
