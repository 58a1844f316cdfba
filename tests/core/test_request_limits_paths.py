"""The fast paths of the request-body bounds (issue 20) give the answers of the paths they replaced."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from xborder.core.request_limits import MAX_JSON_DEPTH, _scanned_depth_exceeds, too_deep


def _value_depth(value, limit: int) -> int:
    """The walker `too_deep` used before issue 20 (an explicit stack of every child), kept as the reference."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return deepest


def _nested(depth: int, kinds: str) -> object:
    value: object = 1
    for level in range(depth):
        value = [value, "x"] if kinds[level % len(kinds)] == "[" else {"k": value, "s": "]]]"}
    return value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(json_values, st.integers(min_value=0, max_value=6))
def test_the_recursive_walker_answers_as_the_stack_walker(value, limit):
    text = json.dumps(value)
    assert too_deep(text, limit) is (_value_depth(value, limit) > limit)
    assert too_deep(text, limit) is _scanned_depth_exceeds(text.encode(), limit)


def test_the_walker_at_the_bound_of_64_levels_with_dicts_and_lists():
    for depth in (MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 500):
        for kinds in ("[", "{", "[{", "{{["):
            value = _nested(depth, kinds)
            assert too_deep(json.dumps(value)) is (_value_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) \
                is (depth > MAX_JSON_DEPTH)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80) | st.text(alphabet="0123456789 ,.-e٣", max_size=60).map(str.encode))
def test_the_long_number_check_answers_as_the_regular_expression(data):
    from xborder.assess.api import _has_long_number

    assert _has_long_number(data) is bool(re.search(rb"\d{19}", data))


def test_the_long_number_check_at_19_digits():
    from xborder.assess.api import _has_long_number

    assert _has_long_number(b'{"n": 1234567890123456789}')
    assert not _has_long_number(b'{"n": 123456789012345678, "m": 1.5e300}')
