"""Reading pytest's JUnit report, written by candidate code, on the host."""

from __future__ import annotations

from worktrial.scoring import TestCounts, parse_junit


def test_counts_and_failing_names() -> None:
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="1" tests="9" time="0.1">
<testcase classname="tests.test_a" name="test_ok" time="0.001"/>
<testcase classname="tests.test_a" name="test_bad"><failure message="assert 1 == 2"/></testcase>
<testcase classname="tests.test_b" name="test_worse"><failure message="x"/></testcase>
<testcase classname="tests.test_c" name="test_fixture"><error message="boom"/></testcase>
<testcase classname="tests.test_c" name="test_skip"><skipped message="later"/></testcase>
</testsuite></testsuites>"""
    got = parse_junit(data)
    assert got == TestCounts(
        passed=5,
        failed=2,
        errors=1,
        skipped=1,
        failing=(
            "tests.test_a::test_bad",
            "tests.test_b::test_worse",
            "tests.test_c::test_fixture",
        ),
    )
    assert got.total == 9
    assert got.describe() == "5 passed, 2 failed, 1 error, 1 skipped"


def test_a_single_testsuite_root() -> None:
    got = parse_junit(b'<testsuite tests="2" failures="0" errors="0" skipped="0"/>')
    assert got == TestCounts(2, 0, 0, 0)


def test_entity_expansion_and_garbage_are_refused() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<testsuite tests="&lol2;"/>"""
    assert parse_junit(bomb) is None
    assert parse_junit(b"not xml at all") is None
    assert parse_junit(b"<html><body/></html>") is None
    assert parse_junit(b'<testsuite tests="-4" failures="x"/>') == TestCounts(0, 0, 0, 0)
