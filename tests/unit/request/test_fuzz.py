"""Fuzzing the door: generated bodies through the parse + validate + check function every door uses.

Each run feeds at least 10,000 bodies (MIN_BODIES, split over the tests below) to
`imagefactory.admission.admit`: random JSON (deep nesting, huge numbers, unicode, control
characters), raw bytes, and valid requests mutated (values replaced by hostile ones, fields
removed, added, swapped, retyped, strings at their length bounds, with trailing newlines and
percent-encoding). The properties:
1. nothing escapes but RequestValidationError;
2. every refusal names a field (`body` for the whole body) and a rule, and its rejects-queue
   document fits one queue message;
3. nothing accepted breaks a documented rule: the checks below re-implement a few rules plainly
   (not through imagefactory.naming) and hold them against every accepted request.
Examples are derandomized (a fixed sequence, no example database), so every CI run sees the same
bodies and a failure reproduces.
"""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagefactory.admission import admit
from imagefactory.exceptions import RequestValidationError
from imagefactory.ids import VmId
from imagefactory.request import BuildRequest
from imagefactory.settings import Settings
from triggers.rejects import MAX_ENCODED_MESSAGE_BYTES, encoded_size, reject_document, reject_text

from .samples import SUBSCRIPTION, gallery_request, managed_image_request

MIN_BODIES = 10_000
# examples per test, and bodies per example (random JSON goes through the door as a decoded object
# and as its UTF-8 text)
COUNTS = {"random_json": 2_000, "raw_bytes": 1_500, "mutated": 4_600}
BODIES_PER_EXAMPLE = {"random_json": 2, "raw_bytes": 1, "mutated": 1}
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings.from_env(
    {
        "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
        "IMAGEFACTORY_RESULT_QUEUES": "ci-results",
    }
)
REGION_FILE = Path(__file__).resolve().parents[3] / "imagefactory" / "data" / "azure-regions.json"
REGIONS = frozenset(json.loads(REGION_FILE.read_text())["clouds"]["AzureCloud"]["regions"])
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
calls = {"bodies": 0}


def _tags(vm: VmId) -> dict[str, str]:
    return {"imagefactory-allow-delete": "true"} if len(vm.name) % 2 else {"owner": "ci"}


def door(body: Any) -> BuildRequest | None:
    """The door on one body: the request, or None after checking the refusal's shape."""
    calls["bodies"] += 1
    try:
        request = admit(body, settings=SETTINGS, read_tags=_tags, now=NOW)
    except RequestValidationError as refused:
        for error in refused.errors:
            assert error.field, refused.errors
            assert error.rule and set(error.rule) <= set(string.ascii_lowercase + "_"), error
            assert error.message, error
            assert len(error.message) < 2_000, error
        raw = body if isinstance(body, bytes) else json.dumps(body, default=str).encode("utf-8", "replace")
        document = reject_document(
            raw, refused.errors, queue="image-builds", message_id="m", dequeue_count=1, rejected_at=NOW
        )
        assert encoded_size(reject_text(document)) <= MAX_ENCODED_MESSAGE_BYTES
        return None
    check_accepted(request)
    return request


# --- rules re-implemented plainly, held against every accepted request ------------------------------

LETTERS_DIGITS = set(string.ascii_letters + string.digits)


def _name_ok(name: str, *, max_length: int, inner: str, last: str) -> bool:
    return (
        1 <= len(name) <= max_length
        and name[0] in LETTERS_DIGITS
        and all(char in LETTERS_DIGITS or char in inner for char in name)
        and (name[-1] in LETTERS_DIGITS or name[-1] in last)
    )


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", str(key)
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_accepted(request: BuildRequest) -> None:
    dumped = request.model_dump(mode="json")
    for path, text in _strings(dumped):
        allowed = "\n\r\t" if path.endswith(".description") else ""
        assert all(not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) or c in allowed for c in text), (path, text)
        assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in text), (path, text)
        text.encode("utf-8")
    vm = request.source_vm
    assert _name_ok(vm.name, max_length=64, inner="._-", last="_"), vm.name
    assert 1 <= len(vm.resource_group) <= 90 and vm.resource_group[-1] != ".", vm.resource_group
    assert all(c in LETTERS_DIGITS or c in "_-.()" for c in vm.resource_group), vm.resource_group
    subscription = vm.subscription_id
    assert [len(part) for part in subscription.split("-")] == [8, 4, 4, 4, 12], subscription
    assert set(subscription) <= set("0123456789abcdef-"), subscription
    for region in request.region_names():
        assert region in REGIONS, region
    target = request.target
    if target.kind == "gallery":
        assert _name_ok(target.gallery.name, max_length=80, inner="._", last=""), target.gallery.name
        assert _name_ok(target.definition.name, max_length=80, inner="._-", last=""), target.definition.name
        if isinstance(target.version, str):
            parts = target.version.split(".")
            assert len(parts) == 3, target.version
            for part in parts:
                assert part and all(c in string.digits for c in part), target.version
                assert part == "0" or part[0] != "0", target.version
                assert int(part) <= 2**31 - 1, target.version
    else:
        assert _name_ok(target.name, max_length=80, inner="._-", last="_"), target.name
    queue = request.report.results_queue
    assert queue is None or queue in ("image-build-results", "ci-results"), queue
    correlation = request.correlation_id
    assert correlation is None or (
        1 <= len(correlation) <= 128 and all(c in LETTERS_DIGITS or c in "._:@-" for c in correlation)
    ), correlation


# --- random JSON and bytes -------------------------------------------------------------------------

HOSTILE_STRINGS = [
    "",
    ".",
    "..",
    "%2e%2e",
    "%2F",
    "a/b",
    "a?b",
    "a#b",
    "a b",
    "a\\b",
    "vm\n",
    "\nvm",
    "vm\r\n",
    "vm\x00",
    "\ud800",
    "\udfff",
    "\u0661.\u0662.\u0663",
    "\uff21\uff22",
    "\u200bvm",
    "westeurope\n",
    "West  Europe",
    "westeurope",
    "West Europe",
    "narnia",
    "1.0.0",
    "01.0.0",
    "0.0.0",
    "1.0.0\n",
    "2147483648.0.0",
    "4294967296.1.1",
    "9" * 40 + ".0.0",
    "1.0",
    "1.0.0.0",
    "x" * 63,
    "x" * 64,
    "x" * 65,
    "x" * 80,
    "x" * 81,
    "x" * 90,
    "x" * 91,
    "x" * 129,
    "x" * 3000,
    SUBSCRIPTION.upper(),
    "{" + SUBSCRIPTION + "}",
    SUBSCRIPTION.replace("-", ""),
    "urn:uuid:" + SUBSCRIPTION,
    "\u0661" + SUBSCRIPTION[1:],
    "image-builds",
    "image-builds-rejects",
    "image-builds-poison",
    "imagefactory-control-00",
    "imagefactory-workitems",
    "ci-results",
    "image-build-results",
    "Image-Results",
    "a--b",
    "true",
    "True",
    " true ",
]
hostile_text = st.sampled_from(HOSTILE_STRINGS) | st.text(
    alphabet=st.characters(exclude_categories=()), max_size=24
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(hostile_text, children, max_size=5),
    max_leaves=10,
)


def _nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    leaf = "1" if opener != "[" else ""
    return opener * depth + leaf + closer * depth


raw_texts = (
    st.builds(_nested, st.integers(min_value=1, max_value=4_000), st.sampled_from(["[", '{"a":']))
    | st.integers(min_value=1, max_value=20_000).map(lambda n: '{"source": ' + "9" * n + "}")
    | st.sampled_from(
        [
            '{"a": NaN}',
            '{"a": Infinity}',
            '{"a": -Infinity}',
            '{"a": 1e999}',
            '{"a": 1, "a": 2}',
            "[]",
            '"x"',
            "null",
            "1",
            "",
            " ",
            "\ufeff{}",
            '{"a": "\\ud800"}',
            '{"a": "\\u0000"}',
        ]
    )
    | st.text(max_size=200)
)
raw_bytes = (
    raw_texts.map(lambda text: text.encode("utf-8", "surrogatepass"))
    | st.binary(max_size=300)
    | st.sampled_from([b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00", b'{"a": "\xff"}', b" " * 70_000])
)


@given(json_values)
def _random_json(value: Any) -> None:
    door(value)
    door(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@given(raw_bytes)
def _raw_bytes(body: bytes) -> None:
    door(body)


# --- valid requests, mutated -----------------------------------------------------------------------

BASES = [
    gallery_request(
        correlation_id="ci-run:4711",
        delete_source_vm=True,
        report={"results_queue": "ci-results", "region_ready_messages": True},
        target={
            "kind": "gallery",
            "gallery": {"resource_group": "rg-images", "name": "corp_gallery", "location": "westeurope"},
            "definition": {
                "name": "ubuntu-22.04-web",
                "publisher": "contoso",
                "offer": "web",
                "sku": "22_04",
                "description": "line one\nline two",
            },
            "version": "1.2.3",
            "replication": {
                "target_regions": [{"name": "westeurope", "replica_count": 2}, {"name": "eastus"}]
            },
            "tags": {"team": "web"},
        },
    ),
    gallery_request(target={**gallery_request()["target"], "version": {"policy": "next_patch", "major": 1}}),
    managed_image_request(generalize="already_deprovisioned"),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _put(document: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(document, path[:-1])[path[-1]] = value


def _stretch(text: str, size: int) -> str:
    return (text * (size // max(len(text), 1) + 1))[:size] if text else "x" * size


Edit = Callable[[Any], None]
EDIT_KINDS = st.sampled_from(["replace", "suffix", "stretch", "delete", "add", "swap", "retype", "encode"])
SUFFIXES = st.sampled_from(["\n", "\r\n", " ", "\x00", "%00", "%2F", "/..", "/", "?", "#", "\u0661"])
SIZES = st.sampled_from([0, 1, 2, 3, 15, 36, 63, 64, 65, 79, 80, 81, 89, 90, 91, 128, 129, 2048, 2049])
SHAPES = st.sampled_from([list, dict, int, float, str, bool, type(None)])
# Replacement values: mostly scalars (cheap to draw), sometimes a nested value.
replacements = json_scalars | st.lists(json_scalars, max_size=3) | json_values


@st.composite
def edits(draw: st.DrawFn, base: dict[str, Any]) -> Edit:
    paths = _paths(base)
    if not paths:
        return lambda document: None
    path = paths[draw(st.integers(min_value=0, max_value=len(paths) - 1))]
    kind = draw(EDIT_KINDS)
    if kind == "replace":
        value = draw(replacements)
        return lambda document: _put(document, path, value)
    if kind == "suffix":
        suffix = draw(SUFFIXES)
        prefix = draw(st.booleans())

        def add_suffix(document: Any) -> None:
            current = _get(document, path)
            if isinstance(current, str):
                _put(document, path, suffix + current if prefix else current + suffix)

        return add_suffix
    if kind == "stretch":
        size = draw(SIZES)

        def stretch(document: Any) -> None:
            current = _get(document, path)
            if isinstance(current, str):
                _put(document, path, _stretch(current, size))

        return stretch
    if kind == "delete":
        return lambda document: _get(document, path[:-1]).pop(path[-1])
    if kind == "add":
        key = draw(hostile_text)
        value = draw(replacements)

        def add(document: Any) -> None:
            container = _get(document, path)
            if isinstance(container, dict):
                container[key] = value
            elif isinstance(container, list):
                container.append(value)

        return add
    if kind == "swap":
        other = paths[draw(st.integers(min_value=0, max_value=len(paths) - 1))]

        def swap(document: Any) -> None:
            first, second = copy.deepcopy(_get(document, path)), copy.deepcopy(_get(document, other))
            _put(document, path, second)
            _put(document, other, first)

        return swap
    if kind == "retype":
        shape = draw(SHAPES)

        def retype(document: Any) -> None:
            current = _get(document, path)
            candidates = {
                list: [current],
                dict: {"value": current},
                int: len(str(current)),
                float: float(len(str(current))) + 0.5,
                str: json.dumps(current),
                bool: bool(current),
                type(None): None,
            }
            _put(document, path, candidates[shape])

        return retype

    def percent_encode(document: Any) -> None:
        current = _get(document, path)
        if isinstance(current, str) and current:
            _put(document, path, "".join(f"%{ord(c):02X}" if c in "./-_" else c for c in current))

    return percent_encode


BASE_CHOICE = st.sampled_from(BASES)


@st.composite
def mutated_requests(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    document = copy.deepcopy(draw(BASE_CHOICE))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        edit = draw(edits(document))
        try:
            edit(document)
        except (KeyError, IndexError, TypeError):  # an earlier edit removed or retyped this path
            continue
    return document, draw(st.booleans())


@given(mutated_requests())
def _mutated(case: tuple[dict[str, Any], bool]) -> None:
    document, as_text = case
    if as_text:
        door(json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    else:
        door(document)


def _run(test: Any, name: str) -> None:
    before = calls["bodies"]
    settings(FUZZ, max_examples=COUNTS[name])(test)()
    assert calls["bodies"] - before >= COUNTS[name] * BODIES_PER_EXAMPLE[name]


def test_random_json_documents_are_refused_or_accepted_never_crash() -> None:
    _run(_random_json, "random_json")


def test_raw_bodies_are_refused_with_a_reason() -> None:
    _run(_raw_bytes, "raw_bytes")


def test_mutated_requests_never_slip_past_a_documented_rule() -> None:
    _run(_mutated, "mutated")


def test_the_fuzz_budget_is_at_least_ten_thousand_bodies() -> None:
    assert sum(COUNTS[name] * BODIES_PER_EXAMPLE[name] for name in COUNTS) >= MIN_BODIES
    assert door(gallery_request()) is not None  # the base shapes are accepted: the fuzz starts valid
    assert all(door(copy.deepcopy(base)) is not None for base in BASES)
