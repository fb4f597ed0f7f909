"""The local web page in a real headless browser: Debian's chromium driven by selenium.

Sign in with the one-time link ``edgealign serve --open`` prints, send a message and watch the
streamed answer arrive, lock a dimension and see the profile change. ``make test`` installs
chromium and chromedriver where it can (root and apt-get); elsewhere this test skips and says
why. EDGEALIGN_SCREENSHOT=PATH saves a picture of the page (docs/server-page.png is one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (it is in the [dev] extra)")

from _server_helpers import fake_server, open_personalizer  # noqa: E402

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no chromium/chromedriver on PATH: `make test` installs them as root with apt-get "
           "(apt-get install -y chromium chromium-driver); elsewhere install them to run this test")


@pytest.fixture
def browser(tmp_path, monkeypatch):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--no-proxy-server", f"--user-data-dir={tmp_path / 'profile'}",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium-manager must never download a driver
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)  # selenium talks to chromedriver on loopback, directly
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@needs_browser
@pytest.mark.slow
def test_the_page_signs_in_chats_streaming_and_locks_a_dimension(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    home = tmp_path / "home"
    with open_personalizer(home) as p:
        p.add_user("ada")
        p.record_comment("ada", "How should answers be?", "Keep it short, I read on my phone.")
        p.add_user("ben")
    server = fake_server(home, tmp_path / "server.log", "--open", "--fake-delay", "0.05")
    try:
        wait = WebDriverWait(browser, 30)
        browser.get(server.sign_in)
        wait.until(lambda d: d.find_element(By.ID, "app").is_displayed())
        assert "code=" not in browser.current_url  # the one-time code is dropped from the address
        assert [o.text for o in Select(browser.find_element(By.ID, "user-select")).options] == ["ada", "ben"]
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#profile tbody tr"))
        assert browser.find_element(By.ID, "profile-text").text == "1 of 90 dimensions are not neutral"
        assert "Concise communication style" in browser.find_element(By.ID, "profile").text
        evidence = browser.find_element(By.CSS_SELECTOR, "#profile tbody tr details")
        evidence.click()
        assert "Keep it short" in evidence.text

        Select(browser.find_element(By.ID, "conditioning")).select_by_value("pba")
        browser.execute_script(  # count the updates of the answer as it arrives
            "window.updates = 0; new MutationObserver(() => window.updates++)"
            ".observe(document.getElementById('messages'), {subtree: true, childList: true, characterData: true});")
        answer = _ask(browser, wait, "What should I cook tonight?")
        assert "[pba] Concise communication style | What should I cook tonight?" in answer.text
        assert browser.execute_script("return window.updates") > 5  # the answer grew chunk by chunk

        Select(browser.find_element(By.ID, "dim-select")).select_by_value("5")
        Select(browser.find_element(By.ID, "dim-value")).select_by_value("1")
        browser.find_element(By.ID, "lock").click()
        locked = '#profile tbody tr[data-index="5"][data-source="locked"]'
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, locked))
        with open_personalizer(home) as p:
            assert p.store.records.overrides("ada")[5].locked
        if os.environ.get("EDGEALIGN_SCREENSHOT"):
            browser.save_screenshot(os.environ["EDGEALIGN_SCREENSHOT"])
        assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        assert server.stop() == 0


@needs_browser
@pytest.mark.slow
def test_a_name_no_url_can_hold_does_not_stop_the_page_for_everyone_else(tmp_path, browser, monkeypatch):
    """An older store may hold "a/b", listed first for an all-users token: its profile cannot
    load, and the page says why, then opens the next person and works for them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from edgealign.store import _records

    home = tmp_path / "home"
    with monkeypatch.context() as m:  # what a store made before names were checked for URLs holds
        m.setattr(_records, "check_new_user", _records.check_user)
        with open_personalizer(home) as p:
            for name in ("a/b", "ada", "ben"):
                p.add_user(name)
            p.record_comment("ada", "How should answers be?", "Keep it short, I read on my phone.")
    server = fake_server(home, tmp_path / "server.log", "--open")
    try:
        wait = WebDriverWait(browser, 30)
        browser.get(server.sign_in)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#profile tbody tr"))
        assert browser.find_element(By.ID, "app").is_displayed()
        assert "sign-in failed" not in browser.find_element(By.ID, "status").text
        assert "a/b: " in browser.find_element(By.ID, "status").text  # says why that one did not open
        assert "user import FILE --as NEWNAME" in browser.find_element(By.ID, "status").text
        users = Select(browser.find_element(By.ID, "user-select"))
        assert [o.text for o in users.options] == ["a/b", "ada", "ben"]
        assert users.first_selected_option.text == "ada" and browser.find_element(By.ID, "who").text == "ada"
        assert browser.find_element(By.ID, "profile-text").text == "1 of 90 dimensions are not neutral"

        users.select_by_visible_text("a/b")
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#profile tbody tr"))
        users.select_by_visible_text("ben")  # and back: the page still works
        wait.until(lambda d: d.find_element(By.ID, "profile-text").text == "0 of 90 dimensions are not neutral")
        assert "What should I cook tonight?" in _ask(browser, wait, "What should I cook tonight?").text
    finally:
        assert server.stop() == 0


def _ask(browser, wait, question: str):
    """Send ``question`` from the page's chat box; the assistant's answer once it is done."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "chat-input").send_keys(question)
    browser.find_element(By.ID, "send").click()
    answer = lambda d: d.find_elements(By.CSS_SELECTOR, "#messages .msg.assistant")[-1]
    wait.until(lambda d: answer(d).get_attribute("data-state") != "streaming")
    assert answer(browser).get_attribute("data-state") == "done"
    return answer(browser)
