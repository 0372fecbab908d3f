"""The simulated Ecwid admin in Chromium, with the SDK demo app: loader until init, iframe height, payload."""

from __future__ import annotations

from typing import Any

from ..support import eventually
from .conftest import shot
from .journeys import ADMIN_PATH

DEMO = ADMIN_PATH + "?app=sdk-demo"


def app_frame(page: Any) -> Any:
    frame = page.locator("#settings-frame").element_handle().content_frame()
    frame.wait_for_function("window.sdkDemo !== undefined")
    return frame


def frame_height(page: Any) -> int:
    return page.locator("#settings-frame").evaluate("e => e.clientHeight")


def content_height(frame: Any) -> int:
    return frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")


def test_the_admin_shows_a_loader_until_the_app_calls_init(stack, page):
    _, sandbox = stack
    page.goto(sandbox.url + DEMO + "&init_timeout=0&init_delay_ms=-1")
    frame = app_frame(page)
    area, loader = page.locator("#app-area"), page.locator("#app-loader")
    assert loader.is_visible()
    assert page.locator("#settings-frame").evaluate("e => getComputedStyle(e).visibility") == "hidden"
    # A message that does not come from the app's iframe changes nothing.
    page.evaluate("window.postMessage({channel: 'ecwid-sandbox-app', method: 'init', params: {}}, '*')")
    page.wait_for_function("document.getElementById('app-area').dataset.state === 'loading'")
    assert loader.is_visible() and area.get_attribute("data-state") == "loading"
    shot(page, "admin-loader-before-init")
    frame.evaluate("sdkDemo.init()")
    page.locator("#app-area[data-state=ready]").wait_for(state="attached")
    assert not loader.is_visible()
    assert page.locator("#settings-frame").evaluate("e => getComputedStyle(e).visibility") == "visible"
    assert area.get_attribute("data-shown-by") == "init"
    assert area.get_attribute("data-app-id") == "systempay"
    assert page.locator("#sdk-log .sdk-message[data-method=init]").count() == 1
    assert not page.locator("#app-init-missing").is_visible()
    shot(page, "admin-sdk-demo-after-init")


def test_with_autoloadedflag_false_the_loader_stays_until_ready(stack, page):
    _, sandbox = stack
    page.goto(sandbox.url + DEMO + "&init_timeout=0&init_delay_ms=0&autoloaded=0")
    frame = app_frame(page)
    page.locator("#sdk-log .sdk-message[data-method=init]").wait_for(state="attached")
    assert page.locator("#app-area").get_attribute("data-state") == "loading"
    assert page.locator("#app-loader").is_visible()
    frame.evaluate("sdkDemo.ready()")
    page.locator("#app-area[data-state=ready]").wait_for(state="attached")
    assert page.locator("#app-area").get_attribute("data-shown-by") == "ready"


def test_an_app_that_never_calls_init_is_shown_after_the_timeout_with_a_warning(stack, page):
    _, sandbox = stack
    page.goto(sandbox.url + DEMO + "&init_timeout=1&init_delay_ms=-1")
    page.locator("#app-init-missing").wait_for()
    assert page.locator("#app-area").get_attribute("data-shown-by") == "timeout"
    assert not page.locator("#app-loader").is_visible()


def test_autoheight_resizes_the_iframe_to_the_page_as_it_grows(stack, page):
    _, sandbox = stack
    page.goto(sandbox.url + DEMO + "&init_timeout=0&init_delay_ms=0")
    frame = app_frame(page)
    page.locator("#app-area[data-state=ready]").wait_for(state="attached")
    assert page.locator("#app-area").get_attribute("data-autoheight") == "true"
    assert eventually(lambda: frame_height(page) == content_height(frame)), (frame_height(page), content_height(frame))
    first = frame_height(page)
    assert 200 < first < 1700  # shrunk from the admin's initial height to the app's page
    demo = page.frame_locator("#settings-frame")
    for _ in range(6):
        demo.locator("#grow").click()
    assert eventually(lambda: frame_height(page) == content_height(frame) > first + 300), (
        frame_height(page), content_height(frame), first,
    )
    # The whole app page is visible: no scrolling inside the iframe.
    assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    shot(page, "admin-sdk-demo-autoheight")


def test_set_size_sets_the_iframe_height(stack, page):
    _, sandbox = stack
    page.goto(sandbox.url + DEMO + "&init_timeout=0&init_delay_ms=0&autoheight=0")
    frame = app_frame(page)
    page.locator("#app-area[data-state=ready]").wait_for(state="attached")
    assert frame_height(page) == 1700  # no autoheight: the admin's height until the app asks
    frame.evaluate("sdkDemo.setSize(640)")
    assert eventually(lambda: frame_height(page) == 640), frame_height(page)
    frame.evaluate("sdkDemo.setSize(-5)")  # nonsense is ignored
    frame.evaluate("sdkDemo.setSize(910)")
    assert eventually(lambda: frame_height(page) == 910), frame_height(page)


def test_get_payload_reads_the_store_context_of_default_user_auth(stack, page):
    _, sandbox = stack
    shop = sandbox.registry["sandbox.ecwid"]
    page.goto(sandbox.url + DEMO + "&auth=fragment&lang=fr&init_delay_ms=0")
    frame = app_frame(page)
    assert frame.locator("#payload-store-id").inner_text() == str(shop.store_id)
    assert frame.locator("#payload-lang").inner_text() == "fr"
    assert frame.locator("#payload-view-mode").inner_text() == "PAGE"
    payload = frame.evaluate("EcwidApp.getPayload()")
    assert payload["access_token"] == shop.token and payload["public_token"] == shop.public_token
    # The choice is remembered; enhanced security has nothing in the fragment for getPayload().
    page.goto(sandbox.url + DEMO + "&init_delay_ms=0")
    assert app_frame(page).evaluate("EcwidApp.getPayload()")["store_id"] == shop.store_id
    page.goto(sandbox.url + DEMO + "&auth=payload&init_delay_ms=0")
    frame = app_frame(page)
    assert frame.evaluate("EcwidApp.getPayload()") is None
    assert frame.locator("#payload-store-id").inner_text() == "—"
    assert frame.locator("#sdk-demo").get_attribute("data-query-payload") == "true"


def test_the_modules_settings_open_from_the_demo_admin_in_both_user_auth_modes(stack, page):
    _, sandbox = stack
    for auth in ("payload", "fragment"):
        page.goto(f"{sandbox.url}{ADMIN_PATH}?auth={auth}")
        page.locator("#app-area[data-state=ready]").wait_for(state="attached")
        settings = page.frame_locator("#settings-frame")
        settings.locator("input[name=site_id]").wait_for()
        frame = page.locator("#settings-frame").element_handle().content_frame()
        assert "#" not in frame.url and ("payload=" in frame.url) == (auth == "payload")
        shot(page, f"admin-settings-{auth}")
