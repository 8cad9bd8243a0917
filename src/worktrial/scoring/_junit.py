"""The JUnit XML report pytest writes in the sandbox, read on the host as untrusted input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

MAX_JUNIT_BYTES = 8 * 1024 * 1024
_SHOWN = 10


@dataclass(frozen=True, slots=True)
class TestCounts:
    """How the candidate's tests went.

    Attributes:
        passed, failed, errors, skipped: counts (``errors``: collection or fixture errors).
        failing: ``"module::test"`` names of the first failing or erroring tests.
    """

    __test__ = False  # not a pytest test class, whatever its name says

    passed: int
    failed: int
    errors: int
    skipped: int
    failing: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped

    def describe(self) -> str:
        """``"12 passed, 1 failed, 0 errors, 2 skipped"``."""
        errors = f"{self.errors} error{'s' if self.errors != 1 else ''}"
        return f"{self.passed} passed, {self.failed} failed, {errors}, {self.skipped} skipped"


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def parse_junit(data: bytes) -> TestCounts | None:
    """The counts in a JUnit XML report, or None when it is not one.

    A report that declares a DTD or entities is refused (entity expansion is how an XML file
    turns a few kilobytes into gigabytes); the caller caps the size before reading.
    """
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if root.tag not in ("testsuite", "testsuites"):
        return None
    tests = failures = errors = skipped = 0
    failing: list[str] = []
    for suite in suites:
        tests += _int(suite.get("tests"))
        failures += _int(suite.get("failures"))
        errors += _int(suite.get("errors"))
        skipped += _int(suite.get("skipped"))
        for case in suite.iter("testcase"):
            if len(failing) >= _SHOWN:
                break
            if case.find("failure") is not None or case.find("error") is not None:
                name = case.get("name") or "?"
                where = case.get("classname") or ""
                failing.append(f"{where}::{name}" if where else name)
    passed = max(0, tests - failures - errors - skipped)
    return TestCounts(passed, failures, errors, skipped, tuple(failing))
