"""Reading rules.yaml: every problem reported as `path:line:col: message`, never a traceback.

PyYAML's composer gives nodes with start marks; we build plain data and, beside it, the
position of every key and value by path, so pydantic's error locations and our own
checks can both point at the exact spot.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from bridge.rules.schema import Rules, Sla, SlaPolicy, empty_for

Loc = tuple[Any, ...]
Position = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a rules file, where it is, and what to do about it."""

    path: str
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class RulesError(Exception):
    """The rules file cannot be used; `.problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(slots=True)
class Marks:
    """Where each key and value is in the file, by path."""

    keys: dict[Loc, Position]
    values: dict[Loc, Position]
    _by_text: dict[tuple[str, ...], Loc] | None = None  # every path by its text, made when first needed
    unreadable: set[tuple[str, ...]] = field(default_factory=set)  # paths (as text) of values YAML could not read

    def at(self, loc: Loc, *, key: bool = False) -> Position:
        """The position of `loc`, or of the nearest enclosing thing that exists."""
        loc = tuple(loc)
        while loc:
            # (a key validated into another form, the quoted tier '2' as 2 or Mon-Fri as mon-fri,
            # keeps its marks as written)
            form = self._as_written(loc)
            found = (self.keys if key else self.values).get(form) or self.values.get(form)
            if found:
                return found
            loc, key = loc[:-1], False
        return self.values.get((), (1, 1))

    def _as_written(self, loc: Loc) -> Loc:
        if loc in self.values or loc in self.keys:
            return loc
        if self._by_text is None:
            self._by_text = {tuple(map(_folded, known)): known for known in (*self.keys, *self.values)}
        return self._by_text.get(tuple(map(_folded, loc)), loc)


def _folded(key: Any, *, number: bool = False) -> str:
    """A key as the rules read it: `Mon`, ` mon` and `mon` are one day; with `number` (tiers),
    `2`, `'2'` and `'02'` are one tier."""
    text = str(key).strip().casefold()
    if number and text.isascii() and text.isdigit() and len(text) < 19:
        return str(int(text))
    return text


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


# Values a file may expand to: far beyond any real rules file, far below what a few nested
# YAML aliases can make ("billion laughs"), which would hold the daemon's reload for hours.
MAX_VALUES = 200_000


class _TooBig(Exception):
    def __init__(self, position: Position) -> None:
        self.position = position


class _SelfReference(_TooBig):
    """An alias used inside its own anchor (`&a [x, *a]`): a value without end."""


def _build(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    loc: Loc,
    marks: Marks,
    problems: list[tuple[Loc, str, bool]],
    budget: list[int],
    inside: frozenset[int] = frozenset(),
) -> Any:
    """`inside`: the collections (by identity) this one is part of; an alias may repeat a node
    anywhere but within itself."""
    marks.values[loc] = _position(node)
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig(_position(node))
    if id(node) in inside:
        raise _SelfReference(_position(node))
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        inside |= {id(node)}
    if isinstance(node, yaml.MappingNode):
        result = _merged(node, loader, loc, marks, problems, budget, inside)  # keys written here override these
        marks.values[loc] = _position(node)
        written: dict[str, Any] = {}  # folded key -> the key as first written here
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                marks.keys[(*loc, "?")] = _position(key_node)
                problems.append(((*loc, "?"), "a key must be plain text, not a list or mapping", True))
                continue
            key = _scalar(key_node, loader, (*loc, key_node.value), problems, marks, on_key=True)
            if isinstance(key, bool):  # `on:`, `yes:`, `true:` name something: YAML 1.1 reads them as booleans
                key = key_node.value
            folded = _folded(key, number=loc == ("tiers",))
            if folded in written:
                first = written[folded]
                # `2` and `'2'`, `mon` and `Mon`: the same key to the rules, one would silently win
                line = marks.keys[(*loc, first)][0]
                same = f" (first on line {line})" if first == key else f" (the same as {first!r} on line {line})"
                problems.append(((*loc, key), f"duplicate key {key!r}{same}", True))
            else:
                written[folded] = key
            marks.keys[(*loc, key)] = _position(key_node)
            result[key] = _build(value_node, loader, (*loc, key), marks, problems, budget, inside)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, loader, (*loc, index), marks, problems, budget, inside) for index, item in enumerate(node.value)
        ]
    return _scalar(node, loader, loc, problems, marks)


_MERGE = "tag:yaml.org,2002:merge"


def _merged(
    node: yaml.MappingNode,
    loader: yaml.SafeLoader,
    loc: Loc,
    marks: Marks,
    problems: list[tuple[Loc, str, bool]],
    budget: list[int],
    inside: frozenset[int],
) -> dict[Any, Any]:
    """What the mapping's `<<:` keys bring in: a mapping, or a list of them where the earlier
    wins (YAML's merge). Problems inside a merged mapping point at where it is written."""
    sources: list[yaml.Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            sources += value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
    result: dict[Any, Any] = {}
    for source in reversed(sources):  # the earlier wins: read last, its values and their marks stay
        if not isinstance(source, yaml.MappingNode):
            problems.append((loc, "<< merges a mapping (e.g. *base) or a list of them", False))
            continue
        result.update(_build(source, loader, loc, marks, problems, budget, inside))
    return result


def _scalar(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    where: Loc,
    problems: list[tuple[Loc, str, bool]],
    marks: Marks,
    *,
    on_key: bool = False,
) -> Any:
    """The value of a scalar at `where`; one YAML cannot construct (a date 2026-04-31, `!!int
    abc`) is a problem at its place, and its text stands in for it so the rest is still checked."""
    try:
        value = loader.construct_object(node)
    # (IndexError, KeyError: PyYAML's own slips on `!!int ''` or `!!bool maybe`)
    except (ValueError, TypeError, AttributeError, OverflowError, IndexError, KeyError,
            yaml.constructor.ConstructorError) as error:
        kind = {"timestamp": "date", "int": "whole number", "float": "number"}.get(node.tag.rsplit(":", 1)[-1], "value")
        detail = getattr(error, "problem", None) or error
        return _unreadable(node, where, f"{node.value!r} is not a valid {kind} ({detail})", problems, marks, on_key)
    if isinstance(value, (dict, list, set, bytes)):
        # `!!map "a: b"`, `!!set x`, `!!binary …`: PyYAML reads a tagged scalar as an empty
        # collection (or bytes), which would silently change what a rule does.
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        message = f"{node.value!r} is plain text tagged {tag}: remove the tag and write the value itself"
        return _unreadable(node, where, message, problems, marks, on_key)
    return value


def _unreadable(
    node: yaml.Node, where: Loc, message: str, problems: list[tuple[Loc, str, bool]], marks: Marks, on_key: bool
) -> str:
    """A problem at the scalar's place; its text stands in for it so the rest is still checked."""
    if on_key:
        marks.keys[where] = _position(node)
    marks.unreadable.add(tuple(map(str, where)))
    problems.append((where, message, on_key))
    return str(node.value)


def parse_yaml(text: str) -> tuple[Any, Marks, list[tuple[Loc, str, bool]]]:
    """Plain data, marks, and structural problems (duplicate keys, values YAML cannot read).
    Raises yaml.YAMLError, and _TooBig for a file that expands beyond MAX_VALUES."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        marks = Marks({}, {})
        problems: list[tuple[Loc, str, bool]] = []
        data = None if node is None else _build(node, loader, (), marks, problems, [MAX_VALUES])
    finally:
        loader.dispose()
    return data, marks, problems


def load_rules(path: str | Path) -> Rules:
    """Read, validate and check a rules file; raise RulesError listing every problem (also
    for a fault of the checker itself: whoever loads rules handles one kind of failure)."""
    try:
        return _load(str(path))
    except RulesError:
        raise
    except RecursionError:
        raise RulesError([Problem(str(path), None, None, "nested too deeply to read")]) from None
    except Exception as error:  # noqa: BLE001 - the edge: a bug here must not look like a crash
        message = f"internal error while reading the rules ({type(error).__name__}: {error}); please report it"
        raise RulesError([Problem(str(path), None, None, message)]) from None


def _load(name: str) -> Rules:
    from bridge.rules.check import check_rules  # check needs the engine helpers; keep import light
    from bridge.rules.engine import engine_of

    try:
        raw = _read(name)
    except FileNotFoundError:
        raise RulesError([Problem(name, None, None, "file not found")]) from None
    except OSError as error:
        raise RulesError([Problem(name, None, None, f"cannot read: {error.strerror or error}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _line_col(raw, error.start)
        message = f"byte {raw[error.start]:#04x} is not UTF-8: save the file as UTF-8"
        raise RulesError([Problem(name, line, col, message)]) from None
    if odd := [Problem(name, *_line_col(text, at), message) for at, message in _odd_line_breaks(text)]:
        raise RulesError(odd)
    try:
        data, marks, structural = parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        context = f"{error.context}, " if error.context and error.problem else ""  # e.g. "expected a single document"
        raise RulesError([Problem(name, line, col, f"YAML syntax error: {context}{error.problem or error}")]) from None
    except yaml.reader.ReaderError as error:
        line, col = _line_col(text, error.position)
        message = f"character {ord(error.character) if isinstance(error.character, str) else error.character:#04x} is not allowed in YAML"
        raise RulesError([Problem(name, line, col, message)]) from None
    except yaml.YAMLError as error:
        raise RulesError([Problem(name, 1, 1, f"YAML error: {error}")]) from None
    except _SelfReference as error:
        message = "this anchor's value uses an alias to itself (&name … *name inside it): it would never end"
        raise RulesError([Problem(name, *error.position, message)]) from None
    except _TooBig as error:
        message = f"the file expands to more than {MAX_VALUES:,} values (YAML aliases inside aliases?)"
        raise RulesError([Problem(name, *error.position, message)]) from None
    problems = [_problem(name, marks, loc, message, key) for loc, message, key in structural]
    if not isinstance(data, dict):
        nothing = " is empty (or only comments): it" if data is None else ""
        problems.append(_problem(name, marks, (), f"the rules file{nothing} must be a mapping of sections", False))
        raise RulesError(problems)
    try:
        rules = Rules.model_validate(data)
    except ValidationError as error:
        problems.extend(_from_pydantic(name, marks, error))
        partial, broken, itemwise = _valid_sections(data, error)
        found = check_rules(partial, broken=broken, itemwise=itemwise)
        problems.extend(_problem(name, marks, loc, message, key) for loc, message, key in found)
        raise RulesError(_in_file_order(problems)) from None
    problems.extend(_problem(name, marks, loc, message, key) for loc, message, key in check_rules(rules))
    if problems:
        raise RulesError(_in_file_order(problems))
    engine_of(rules)  # compile now, so a daemon never starts on rules that cannot run
    return rules


def _read(name: str) -> bytes:
    """The file's bytes. Opened without waiting, so a named pipe nobody writes to reads as
    empty instead of hanging `rules check`; a pipe with a writer (`<(…)`) is read to its end."""
    descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(descriptor)


_ODD_BREAKS = {"\x85": "U+0085 (next line)", "\u2028": "U+2028 (line separator)", "\u2029": "U+2029 (paragraph separator)"}
_ODD_BREAK_RE = re.compile("[\x85\u2028\u2029]")


def _odd_line_breaks(text: str) -> list[tuple[int, str]]:
    """Characters YAML reads as line breaks and editors do not (often pasted from a web page
    or a word processor): every line number after one would be off, so each is refused."""
    return [
        (found.start(), f"character {_ODD_BREAKS[found.group()]} is a line break to YAML but not to editors: "
                        "remove it, or use a plain line break")
        for found in _ODD_BREAK_RE.finditer(text)
    ]


def _line_col(text: str | bytes, offset: int) -> Position:
    newline = "\n" if isinstance(text, str) else b"\n"
    before = text[:offset]
    return before.count(newline) + 1, offset - (before.rfind(newline) + 1) + 1  # type: ignore[arg-type]


def _valid_sections(data: dict[Any, Any], error: ValidationError) -> tuple[Rules, frozenset[str], frozenset[str]]:
    """The sections that validated, as a Rules object; the names of those that did not; and
    of those, the mappings (calendars, tiers, ...) whose valid entries are kept, so a typo in
    one calendar does not hide a wrong time zone in the next."""
    broken = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
    if any(not item["loc"] for item in error.errors()):
        broken |= set(Rules.model_fields)
    fields = {(f.alias or n): n for n, f in Rules.model_fields.items()}
    good: dict[str, Any] = {}
    itemwise: set[str] = set()
    for key, field_name in fields.items():
        section = Rules.model_fields[field_name]
        annotation = Annotated[(section.annotation, *section.metadata)] if section.metadata else section.annotation
        if key in broken:
            entries = _valid_entries(annotation, data.get(key))
            if entries is not None:
                good[field_name] = entries
                itemwise.add(key)
            continue
        if key not in data:
            if section.is_required():
                broken.add(key)
            continue
        # (`routing:` with every rule commented out reads as null: as in Rules, an empty list)
        value = empty_for(Rules, key) if data[key] is None else data[key]
        good[field_name] = TypeAdapter(annotation).validate_python(value)
    return Rules.model_construct(**good), frozenset(broken), frozenset(itemwise)


def _valid_entries(annotation: Any, value: Any) -> Any:
    """The entries of a section that validate on their own: a mapping's valid entries; a
    list's, with None in place of each broken one (positions stay those of the file); for
    `sla`, the section with its broken policies as None. None: nothing to keep."""
    origin = typing.get_origin(_unwrap(annotation))
    if origin is tuple and isinstance(value, list):
        item = TypeAdapter(typing.get_args(_unwrap(annotation))[0])
        return tuple(_or_none(item, entry) for entry in value)
    if annotation is Sla and isinstance(value, dict) and isinstance(value.get("policies"), list):
        policies = [_or_none(TypeAdapter(SlaPolicy), entry) for entry in value["policies"]]
        rest = _or_none(TypeAdapter(Sla), {**value, "policies": []})
        return None if rest is None else rest.model_copy(update={"policies": tuple(policies)})
    if origin is not dict or not isinstance(value, dict):
        return None
    adapter = TypeAdapter(annotation)
    entries: dict[Any, Any] = {}
    for key, entry in value.items():
        try:
            entries.update(adapter.validate_python({key: entry}))
        except ValidationError:
            continue  # reported already
    return entries


def _or_none(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None  # reported already


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    # Once each: a mapping merged with `<<:` is read again wherever it is merged.
    return sorted(dict.fromkeys(problems), key=lambda p: (p.line or 0, p.col or 0))


def _problem(name: str, marks: Marks, loc: Loc, message: str, key: bool) -> Problem:
    line, col = marks.at(loc, key=key)
    return Problem(name, line, col, message)


def _from_pydantic(name: str, marks: Marks, error: ValidationError) -> Iterable[Problem]:
    errors = error.errors(include_url=False)
    # A misspelt required key shows up twice (unknown + missing): report only the typo.
    suggested = {
        (tuple(item["loc"][:-1]), close)
        for item in errors
        if item["type"] == "extra_forbidden"
        for close in difflib.get_close_matches(str(item["loc"][-1]), _keys_at(tuple(item["loc"][:-1])), n=1, cutoff=0.6)
    }
    said: set[tuple[Position, str]] = set()
    for item in errors:
        if item["type"] == "missing" and (tuple(item["loc"][:-1]), item["loc"][-1]) in suggested:
            continue
        loc = tuple(part for part in item["loc"] if part != "[key]")
        if tuple(map(str, loc)) in marks.unreadable:
            continue  # said already: YAML could not read the value there
        on_key = "[key]" in item["loc"]
        kind = item["type"]
        message = _plain(item)
        dotted = ".".join(str(part) for part in loc) or "(top level)"
        if kind == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}{_did_you_mean(str(loc[-1]), _keys_at(loc[:-1]))}"
            if loc[-2:-1] == ("then",) and loc[-1] in _keys_at(loc[:-2]):
                message = f"unknown key {loc[-1]!r} in then: it belongs to the rule, beside then:"
            on_key = True
        elif kind == "missing":
            message = f"missing key {loc[-1]!r}" + (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else "")
            loc = loc[:-1]
        elif on_key:
            parent = ".".join(str(part) for part in loc[:-1]) or "(top level)"
            message = f"key {loc[-1]!r} in {parent}: {message}"
        else:
            message = f"{dotted}: {message}"
        position = marks.at(loc, key=on_key)
        if (position, _plain(item)) not in said or kind in ("extra_forbidden", "missing"):
            # (a value in a block merged into several places is wrong once, where it is written)
            said.add((position, _plain(item)))
            yield _problem(name, marks, loc, message, on_key)


def _plain(item: Any) -> str:
    """pydantic's message in the words of a YAML file."""
    message = str(item["msg"]).removeprefix("Value error, ").replace("Input should be", "should be")
    message = message.replace("a valid string", "text").replace("a valid integer", "a whole number")
    if item["type"] in ("dict_type", "model_type", "model_attributes_type"):
        message = "should be a mapping (key: value ...)"
    elif item["type"] in ("tuple_type", "list_type"):
        message = "should be a list ([a, b] or one '- item' per line)"
    if item.get("input") is None and item["type"] != "missing":
        return f"{message}, not empty"
    if isinstance(item.get("input"), bool) and item["type"] == "int_type":
        return f"{message}, not {str(item['input']).lower()}"
    if isinstance(item.get("input"), bool) and item["type"] in ("string_type", "float_type"):
        # YAML 1.1 reads unquoted yes/no/on/off (the country code NO too) as true/false
        return f"{message}: YAML read {item['input']} here; quote the value, e.g. 'NO'"
    return message


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; expected one of: {', '.join(candidates)}" if candidates else ""


def _keys_at(loc: Loc) -> list[str]:
    """The keys the model at `loc` accepts (by their YAML spelling)."""
    annotation: Any = Rules
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {(f.alias or n): f for n, f in annotation.model_fields.items()}
            field = fields.get(part)
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) in (dict, tuple, list):
            args = typing.get_args(annotation)
            annotation = args[-1] if typing.get_origin(annotation) is dict else args[0]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [field.alias or name for name, field in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = options[0]
        else:
            return annotation
