"""The playground in a real browser: headless Chromium (Debian's, no download) driven by
Playwright against a server started on a free port, through the page's data-testid hooks."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run does)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "shrink", "playground", "--no-browser", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the server did not start: {process.communicate()}")
            time.sleep(0.1)
    yield url, process
    if process.poll() is None:
        process.kill()
        process.wait()


def number(page, testid: str) -> float:
    return float(page.get_by_test_id(testid).text_content())


def wait_until(page, condition, what: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        page.wait_for_timeout(100)


def boundary_pixels(page) -> str:
    return page.get_by_test_id("boundary").evaluate("canvas => canvas.toDataURL()")


def test_the_page_trains_live_exports_and_the_server_stops_cleanly(server, tmp_path):
    url, process = server
    problems = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(url)
        wait_until(page, lambda: number(page, "data-loss") > 0, "the first state")
        before = boundary_pixels(page)

        # Play: the epoch advances and the boundary is redrawn.
        page.get_by_test_id("play").click()
        wait_until(page, lambda: number(page, "epoch") >= 30, "30 epochs")
        wait_until(page, lambda: boundary_pixels(page) != before, "the boundary to change")

        # A penalty changes live: the penalty read-out moves and the epoch carries on.
        assert number(page, "reg-loss") == 0
        epoch = number(page, "epoch")
        page.get_by_test_id("weight_l2").select_option("0.001")
        wait_until(page, lambda: number(page, "reg-loss") > 0, "reg-loss to change", seconds=5)
        assert number(page, "epoch") >= epoch

        # Proximal L1 sets weights exactly to zero.
        page.get_by_test_id("weight_l1").select_option("0.003")
        page.get_by_test_id("l1_method").select_option("proximal")
        wait_until(page, lambda: number(page, "zero-weights") > 0, "exact zeros under proximal L1")
        assert number(page, "epoch") > epoch
        page.get_by_test_id("pause").click()

        # A bad value is refused in the page; the server keeps going.
        page.get_by_test_id("hidden").fill("8, 999")
        page.get_by_test_id("hidden").press("Enter")
        page.get_by_test_id("hidden").blur()
        error = page.get_by_test_id("error")
        error.wait_for(state="visible", timeout=5000)
        assert "hidden: each layer has 1 to 64 units, got 999" in error.text_content()

        # The setup lives in the URL.
        assert "weight_l1=0.003" in page.url and "l1_method=proximal" in page.url

        # Export: config.toml and its data, which `shrink train` trains.
        downloads = []
        page.on("download", lambda download: downloads.append(download))
        page.get_by_test_id("export-config").click()
        wait_until(page, lambda: len(downloads) == 2, "two downloads")
        for download in downloads:
            download.save_as(tmp_path / download.suggested_filename)
        browser.close()

    assert problems == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "playground-data.npz"]
    text = (tmp_path / "config.toml").read_text()
    assert "weight_l1 = 0.003" in text and 'l1_method = "proximal"' in text
    trained = subprocess.run([sys.executable, "-m", "shrink", "train", "config.toml", "--set", "train.epochs=20",
                              "--out", "run", "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "run" / "model.npz").exists()

    # Ctrl-C stops the server cleanly.
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert "Traceback" not in process.stderr.read()
