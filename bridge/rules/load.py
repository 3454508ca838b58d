"""Reading rules.yaml: every problem reported as `path:line:col: message`, never a traceback.

PyYAML's composer gives nodes with start marks; we build plain data and, beside it, the
position of every key and value by path, so pydantic's error locations and our own
checks can both point at the exact spot.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from bridge.rules.schema import Rules

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


@dataclass(frozen=True, slots=True)
class Marks:
    """Where each key and value is in the file, by path."""

    keys: dict[Loc, Position]
    values: dict[Loc, Position]

    def at(self, loc: Loc, *, key: bool = False) -> Position:
        """The position of `loc`, or of the nearest enclosing thing that exists."""
        loc = tuple(loc)
        while loc:
            found = (self.keys if key else self.values).get(loc) or self.values.get(loc)
            if found:
                return found
            loc, key = loc[:-1], False
        return self.values.get((), (1, 1))


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(
    node: yaml.Node, loader: yaml.SafeLoader, loc: Loc, marks: Marks, problems: list[tuple[Loc, str, bool]]
) -> Any:
    marks.values[loc] = _position(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<:` merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append((loc, "a key must be plain text", False))
                continue
            key = loader.construct_object(key_node)
            if key in result:
                marks.keys[(*loc, key)] = _position(key_node)
                problems.append(((*loc, key), f"duplicate key {key!r}", True))
            marks.keys[(*loc, key)] = _position(key_node)
            result[key] = _build(value_node, loader, (*loc, key), marks, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loader, (*loc, index), marks, problems) for index, item in enumerate(node.value)]
    return loader.construct_object(node)


def parse_yaml(text: str) -> tuple[Any, Marks, list[tuple[Loc, str, bool]]]:
    """Plain data, marks, and structural problems (duplicate keys). Raises yaml.YAMLError."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        marks = Marks({}, {})
        problems: list[tuple[Loc, str, bool]] = []
        data = None if node is None else _build(node, loader, (), marks, problems)
    finally:
        loader.dispose()
    return data, marks, problems


def load_rules(path: str | Path) -> Rules:
    """Read, validate and check a rules file; raise RulesError listing every problem."""
    from bridge.rules.check import check_rules  # check needs the engine helpers; keep import light
    from bridge.rules.engine import engine_of

    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError([Problem(name, None, None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError([Problem(name, None, None, f"cannot read: {error}")]) from None
    try:
        data, marks, structural = parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RulesError([Problem(name, line, col, f"YAML syntax error: {error.problem or error}")]) from None
    except yaml.YAMLError as error:
        raise RulesError([Problem(name, 1, 1, f"YAML error: {error}")]) from None
    problems = [_problem(name, marks, loc, message, key) for loc, message, key in structural]
    if not isinstance(data, dict):
        problems.append(_problem(name, marks, (), "the rules file must be a mapping of sections", False))
        raise RulesError(problems)
    try:
        rules = Rules.model_validate(data)
    except ValidationError as error:
        problems.extend(_from_pydantic(name, marks, error))
        partial, broken = _valid_sections(data, error)
        found = check_rules(partial, broken=broken)
        problems.extend(_problem(name, marks, loc, message, key) for loc, message, key in found)
        raise RulesError(_in_file_order(problems)) from None
    problems.extend(_problem(name, marks, loc, message, key) for loc, message, key in check_rules(rules))
    if problems:
        raise RulesError(_in_file_order(problems))
    engine_of(rules)  # compile now, so a daemon never starts on rules that cannot run
    return rules


def _valid_sections(data: dict[Any, Any], error: ValidationError) -> tuple[Rules, frozenset[str]]:
    """The sections that validated, as a Rules object, and the names of those that did not."""
    broken = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
    if any(not item["loc"] for item in error.errors()):
        broken |= set(Rules.model_fields)
    fields = {(f.alias or n): n for n, f in Rules.model_fields.items()}
    good: dict[str, Any] = {}
    for key, field_name in fields.items():
        if key in broken:
            continue
        field = Rules.model_fields[field_name]
        if key not in data:
            if field.is_required():
                broken.add(key)
            continue
        annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        good[field_name] = TypeAdapter(annotation).validate_python(data[key])
    return Rules.model_construct(**good), frozenset(broken)


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.col or 0))


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
    for item in errors:
        if item["type"] == "missing" and (tuple(item["loc"][:-1]), item["loc"][-1]) in suggested:
            continue
        loc = tuple(part for part in item["loc"] if part != "[key]")
        on_key = "[key]" in item["loc"]
        kind = item["type"]
        message = item["msg"].removeprefix("Value error, ")
        dotted = ".".join(str(part) for part in loc) or "(top level)"
        if kind == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}{_did_you_mean(str(loc[-1]), _keys_at(loc[:-1]))}"
            on_key = True
        elif kind == "missing":
            message = f"missing key {loc[-1]!r}" + (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else "")
            loc = loc[:-1]
        elif on_key:
            parent = ".".join(str(part) for part in loc[:-1]) or "(top level)"
            message = f"key {loc[-1]!r} in {parent}: {message}"
        else:
            message = f"{dotted}: {message}"
        yield _problem(name, marks, loc, message, on_key)


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
