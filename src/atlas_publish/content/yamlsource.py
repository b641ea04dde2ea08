"""YAML with line numbers and the scalars' text as typed.

PyYAML's ``compose()`` gives every node its position, so each mapping keeps a key -> line map
for errors found long after parsing, and the raw text of each scalar, so that an unquoted
``number: 1.030100`` stays ``1.030100`` instead of going through a float.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..codes import Code
from ..errors import Diagnostics

# libyaml's parser when PyYAML has it: the same nodes and marks, several times faster.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A writer's YAML never needs this many nodes; aliases could otherwise expand without bound.
MAX_NODES = 20_000


@dataclass
class YamlMap:
    """A YAML mapping: values, the line of each key, and the text of each scalar value."""

    path: Path
    line: int
    values: dict[Any, Any] = field(default_factory=dict)
    lines: dict[Any, int] = field(default_factory=dict)
    raw: dict[Any, str | None] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def get(self, key: Any, default: Any = None) -> Any:
        return self.values.get(key, default)

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)

    def items(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.values.items())


class YamlFault(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_mapping(
    text: str, path: Path, diagnostics: Diagnostics, first_line: int = 1
) -> YamlMap | None:
    """Parse ``text`` as a YAML mapping; report faults at their line and return None."""
    if LOADER is not yaml.SafeLoader:
        probe = Diagnostics()
        result = _parse(text, path, probe, first_line, LOADER)
        if not probe.items:
            return result
    # Faults are reported by PyYAML's own parser: its messages and lines are the documented ones.
    return _parse(text, path, diagnostics, first_line, yaml.SafeLoader)


def _parse(
    text: str, path: Path, diagnostics: Diagnostics, first_line: int, loader_type: Any
) -> YamlMap | None:
    try:
        loader = loader_type(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            return YamlMap(path, first_line)
        if not isinstance(node, yaml.MappingNode):
            raise YamlFault("expected 'key: value' lines", _line(node, first_line))
        result = _convert(node, loader, path, first_line, [0])
        assert isinstance(result, YamlMap)
        return result
    except YamlFault as fault:
        diagnostics.error(Code.E001, f"{fault.message}", path, fault.line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # An unclosed '[', '{' or quote, or a key without ':', is noticed on a later line;
        # the fault is where the construct began.
        opened = exc.context and exc.context.startswith(
            ("while parsing a flow", "while scanning a quoted", "while scanning a simple key")
        )
        if opened and exc.context_mark is not None:
            mark = exc.context_mark
        line = first_line + mark.line if mark else first_line
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        if exc.context and exc.context.startswith("while parsing a flow"):
            bracket = "[ ]" if "sequence" in exc.context else "{ }"
            problem = f"a '{bracket[0]}' here is not closed with '{bracket[2]}' ({problem})"
            context = ""
        diagnostics.error(
            Code.E001,
            f"broken YAML: {problem}{context}; check the indentation and quote values "
            "that contain ': ' or start with a special character",
            path,
            line,
        )
    except yaml.YAMLError as exc:
        diagnostics.error(Code.E001, f"broken YAML: {exc}", path, first_line)
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        diagnostics.error(
            Code.E001, "YAML nested too deeply; write plain 'key: value' lines", path, first_line
        )
    return None


def _line(node: yaml.Node, first_line: int) -> int:
    return first_line + node.start_mark.line


def _convert(
    node: yaml.Node, loader: yaml.SafeLoader, path: Path, first_line: int, count: list[int]
) -> Any:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise YamlFault(
            f"too much YAML (over {MAX_NODES} values); write the values out, "
            "without '&' anchors and '*' aliases",
            _line(node, first_line),
        )
    if isinstance(node, yaml.MappingNode):
        result = YamlMap(path, _line(node, first_line))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlFault("a key must be a plain name", _line(key_node, first_line))
            key = _scalar(key_node, loader, first_line)
            if key in result.values:
                raise YamlFault(f"key '{key}' appears twice; keep one", _line(key_node, first_line))
            result.values[key] = _convert(value_node, loader, path, first_line, count)
            result.lines[key] = _line(key_node, first_line)
            result.raw[key] = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loader, path, first_line, count) for item in node.value]
    return _scalar(node, loader, first_line)


STR_TAG = "tag:yaml.org,2002:str"


def _scalar(node: yaml.Node, loader: yaml.SafeLoader, first_line: int) -> Any:
    if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # what SafeLoader's constructor gives a string, without its bookkeeping
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.constructor.ConstructorError) as exc:
        raise YamlFault(
            f"cannot read '{node.value}': {exc}; correct it, or put it in quotes",
            _line(node, first_line),
        ) from exc
