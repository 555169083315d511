"""Read YAML (or JSON) from an untrusted file with the position of every node.

Plans do not need anchors, aliases or explicit tags, so they are refused: an alias bomb cannot
expand and no tag can construct an object. The file size and the nesting depth are bounded."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from stpkit.domain.plan import MAX_INDICATORS, MAX_ORGANISATIONS, MAX_SCHEMES
from stpkit.domain.problems import Loc, format_loc
from stpkit.inputs.located import InputError, read_limited

MAX_FILE_BYTES = 5_000_000
MAX_DEPTH = 40
EMPTY = (
    "the file is empty (or only comments): a plan is a mapping with footprint, title, base_year, "
    "horizon and organisations (see `stp schema`)"
)


class _Constructor(RoundTripConstructor):
    """Dates stay text, as in JSON: the plan's types read them, so that an impossible date such
    as 2016-02-30 is reported against its field instead of failing inside the YAML reader."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


class Document:
    """A parsed file: plain Python data plus a way to find the line of any path in it."""

    def __init__(self, path: Path, data: Any, tree: Any):
        self.path = path
        self.data = data
        self._tree = tree

    def line_of(self, loc: Loc) -> int | None:
        """1-based line of the deepest node on ``loc`` that exists in the file."""
        node, line = self._tree, 1
        for part in loc:
            if isinstance(node, CommentedMap):
                key = _find_key(node, part)
                if key is None:
                    break
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line


def _find_key(node: CommentedMap, part: str | int) -> Any:
    if part in node:
        return part
    for key in node:  # keys typed differently in the file, e.g. 2016 for "2016"
        if str(key) == str(part):
            return key
    return None


def read_text(path: Path) -> str:
    """The file's text, or an InputError saying why it cannot be read as a plan."""
    raw = read_limited(path, MAX_FILE_BYTES, "plans")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError.single(path, "the file is UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError.single(path, "this is a binary file, not a YAML or JSON plan", line)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(
            path, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read; save the file as UTF-8", line
        ) from None
    return text


def load_document(path: Path) -> Document:
    text = read_text(path)
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise InputError.single(path, EMPTY)  # said before YAML can stumble on a stray tab
    if path.suffix.lower() == ".json":
        _check_json(path, text)
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _Constructor
    try:
        _check_events(path, yaml.parse(text))
        tree = yaml.load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        key = _duplicate_key(str(exc.problem))
        loc = _key_loc(yaml.compose(text), exc.problem_mark) if exc.problem_mark else None
        raise InputError.single(
            path, f"duplicate key {key}: each key may appear only once", line, field=format_loc(loc or (key,))
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        context = exc.context or ""
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context += f" (started on line {exc.context_mark.line + 1})"
        what = " ".join(str(p) for p in (context, exc.problem) if p)
        if "'\\t'" in what:
            what = "a tab character where YAML expects spaces (indent with spaces, not tabs)"
        raise InputError.single(path, f"not valid YAML: {what}", line, field="(syntax)") from None
    except YAMLError as exc:
        raise InputError.single(path, f"not valid YAML: {exc}", field="(syntax)") from None
    if tree is None:
        raise InputError.single(path, EMPTY)
    if not isinstance(tree, CommentedMap):
        line = tree.lc.line + 1 if isinstance(tree, CommentedSeq) else 1  # a list may follow comments
        raise InputError.single(
            path, f"expected a mapping at the top of the file, found a {_kind(tree)}", line, field="(top level)"
        )
    return Document(path, _plain(tree), tree)


def _check_json(path: Path, text: str) -> None:
    """A .json file must be JSON: YAML, which reads the rest, would quietly accept trailing commas."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        before, after = text[: exc.pos].rstrip(), text[exc.pos :]
        line, what = exc.lineno, exc.msg
        if after.startswith(("//", "/*", "#")):
            what = "JSON allows no comments"
        elif after[:1] in ("}", "]") and before.endswith(","):
            line, what = before.count("\n") + 1, "a comma before a closing bracket (JSON allows none)"
        raise InputError.single(path, f"not valid JSON: {what}", line, field="(syntax)") from None
    except RecursionError:
        pass  # too deeply nested to check here: the depth check that follows says where


#: The most items of each list at the top of a plan, counted as the file is read so that a plan
#: of a million schemes is refused at the first one too many, not after all are read.
MAX_ITEMS = {"organisations": MAX_ORGANISATIONS, "schemes": MAX_SCHEMES, "indicators": MAX_INDICATORS}


@dataclass
class _Open:
    """A mapping or list being read: whether a key comes next, the last key, the items so far."""

    mapping: bool
    key_next: bool = True
    key: Any = None
    items: int = 0


def _check_events(path: Path, events) -> None:
    open_: list[_Open] = []
    for event in events:
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
            raise InputError.single(
                path, "anchors and aliases (& and *) are not allowed in plans", line, field="(syntax)"
            )
        if isinstance(event, NodeEvent) and _explicit_tag(event):
            raise InputError.single(path, f"tags such as {event.tag} are not allowed in plans", line, field="(syntax)")
        if isinstance(event, NodeEvent) and open_:
            _count(path, open_, event, line)
        if isinstance(event, CollectionStartEvent):
            open_.append(_Open(mapping=isinstance(event, MappingStartEvent)))
            if len(open_) > MAX_DEPTH:
                raise InputError.single(path, f"nested more than {MAX_DEPTH} levels deep", line, field="(syntax)")
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            open_.pop()
            _done(open_)
        elif isinstance(event, NodeEvent):
            _done(open_)


def _count(path: Path, open_: list[_Open], event: NodeEvent, line: int | None) -> None:
    """Note a node starting inside the innermost open collection: a key, or an item of a list."""
    inner = open_[-1]
    if inner.mapping:
        if inner.key_next:
            inner.key = event.value if isinstance(event, ScalarEvent) else None
        return
    inner.items += 1
    name = open_[0].key if len(open_) == 2 else None
    limit = MAX_ITEMS.get(name) if isinstance(name, str) else None
    if limit is not None and inner.items > limit:
        raise InputError.single(path, f"too many: a plan has at most {limit:,} {name}", line, field=name)


def _done(open_: list[_Open]) -> None:
    """A node has ended: in a mapping, a value follows a key and a key a value."""
    if open_ and open_[-1].mapping:
        open_[-1].key_next = not open_[-1].key_next


def _key_loc(node: Any, mark: Any, loc: Loc = ()) -> Loc | None:
    """Path to the mapping key that starts at ``mark`` in a composed (not constructed) tree."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            here = (*loc, key.value if isinstance(key, ScalarNode) else "?")
            if key.start_mark.index == mark.index:
                return here
            found = _key_loc(value, mark, here)
            if found:
                return found
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            found = _key_loc(item, mark, (*loc, i))
            if found:
                return found
    return None


def _explicit_tag(event: NodeEvent) -> bool:
    tag = getattr(event, "tag", None)
    if tag is None:
        return False
    if isinstance(event, ScalarEvent):
        return not event.implicit[0] and not event.implicit[1]
    return not getattr(event, "implicit", True)


def _duplicate_key(problem: str) -> str:
    # ruamel says: found duplicate key "a" with value "2" (original value: "1")
    parts = problem.split('"')
    return parts[1] if len(parts) > 1 else ""


def _kind(node: Any) -> str:
    if isinstance(node, list):
        return "list"
    if isinstance(node, bool):
        return "true/false value"
    return "number" if isinstance(node, int | float) else "text value"


def _plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {(_plain(k) if not isinstance(k, str) else str(k)): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node
