"""Scanner discovery runs in the background and is served from the session's cache."""

from __future__ import annotations

import threading

import pytest

from clerk_app import errors
from scanner.discovery import DeviceDiscovery
from scanner.driver import DeviceInfo
from scanner.sane_driver import SaneDriver


class CountingSane(SaneDriver):
    """The real SANE driver, counting how often the backend is actually probed."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def devices(self, timeout: float = 60.0) -> list[DeviceInfo]:
        self.calls += 1
        return super().devices(timeout)


def test_second_discovery_comes_from_the_cache_and_refresh_probes_again() -> None:
    driver = CountingSane()
    discovery = DeviceDiscovery(driver)
    assert discovery.cached is None

    first = discovery.start().result(timeout=120)
    assert any(d.name.startswith("test") for d in first)
    assert driver.calls == 1

    again = discovery.devices()
    assert again == first
    assert discovery.cached == first
    assert driver.calls == 1  # served from the cache: the backend was not asked

    assert discovery.refresh(timeout=120) == first
    assert driver.calls == 2
    discovery.devices()
    assert driver.calls == 2


def test_callers_during_a_discovery_share_it() -> None:
    gate = threading.Event()

    class Slow:
        calls = 0

        def devices(self) -> list[DeviceInfo]:
            Slow.calls += 1
            gate.wait(30)
            return [DeviceInfo("test:0", "Noname", "frontend-tester")]

    discovery = DeviceDiscovery(Slow())
    a = discovery.start()
    b = discovery.start()
    c = discovery.start(refresh=True)
    assert a is b is c
    gate.set()
    assert a.result(timeout=30)[0].name == "test:0"
    assert Slow.calls == 1


def test_a_failed_discovery_is_not_cached() -> None:
    class Flaky:
        calls = 0

        def devices(self) -> list[DeviceInfo]:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise errors.ScannerDriverMissing("sane", "libsane missing")
            return [DeviceInfo("test:0")]

    discovery = DeviceDiscovery(Flaky())
    with pytest.raises(errors.ScannerDriverMissing):
        discovery.devices(timeout=30)
    assert discovery.cached is None
    assert [d.name for d in discovery.devices(timeout=30)] == ["test:0"]
    assert Flaky.calls == 2
