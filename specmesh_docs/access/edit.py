"""A grant added to a spec's text in place (pure): one tag inserted where the operation's tags
are, every other byte left as it was (comments, anchors, quoting, flow or block style, JSON).

ruamel.yaml's round-trip parser only says where things are (the operation, its `tags`, their
style); the change itself is a text insertion, so nothing else is re-emitted and nothing else can
change. What cannot be edited safely is refused by name: an operation or a tag list reached
through `$ref` or a YAML alias or anchor (the edit would change other places too)."""

from __future__ import annotations

import re
from dataclasses import dataclass


class CannotEdit(Exception):
    """Why the grant cannot be added by text: the caller says so and changes nothing."""


@dataclass(frozen=True)
class Grant:
    kind: str  # read | write
    domain: str
    until: str | None = None  # ISO date: the grant's last day
    renews: str | None = None  # the last day it had: a renewal moves it to `until`

    @property
    def tag(self) -> str:
        return ("grant-access:" if self.kind == "read" else "grant-write:") + self.domain


def operation_path(product, topic, v2_operations: str = "specmesh") -> list[str]:
    """Where the operation that owns `topic` is written: its keys from the document's root."""
    if product.major_version == 3:
        return ["operations", topic.operation_id]
    return ["channels", topic.channel, "publish" if v2_operations == "specmesh" else "subscribe"]


def _operation(text: str, path: list[str]):
    """The round-trip node at `path` (it knows where it is written), or CannotEdit."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        node = YAML(typ="rt", pure=True).load(text)
    except YAMLError as exc:
        raise CannotEdit(f"the spec does not parse as YAML: {str(exc).splitlines()[0]}") from None
    for key in path:
        node = node.get(key) if hasattr(node, "get") else None
        if node is None:
            raise CannotEdit(f"{'.'.join(path)} is not in the spec")
    return node


def add_grant(text: str, path: list[str], grant: Grant, as_json: bool) -> str:
    """`text` with `grant` added to the tags of the mapping at `path`."""
    node = _operation(text, path)
    if not hasattr(node, "lc") or not hasattr(node, "items"):
        raise CannotEdit(f"{'.'.join(path)} is not a mapping")
    if "$ref" in node:
        raise CannotEdit(f"{'.'.join(path)} is a $ref: add the grant where the operation is defined")
    if _anchored(node):
        raise CannotEdit(f"{'.'.join(path)} is a YAML anchor or alias: an edit would change other places too")
    lines = text.splitlines(keepends=True)
    tags = node.get("tags")
    if tags is None:
        return _new_tags(lines, node, grant, as_json)
    if not hasattr(tags, "lc") or not isinstance(tags, list):
        raise CannotEdit("the operation's tags are not a list")
    if _anchored(tags):
        raise CannotEdit("the operation's tags are a YAML anchor or alias: an edit would change other places too")
    line, col = node.lc.value("tags")
    if as_json or tags.fa.flow_style():
        return _insert_after(lines, line, col, "[", _flow_item(grant, as_json) + (", " if tags else ""))
    first_line, first_col = tags.lc.item(0)
    dash = lines[first_line].rfind("-", 0, first_col + 1)
    if dash < 0 or lines[first_line][:dash].strip():
        raise CannotEdit("the tags' layout is not one item per line")
    return "".join(lines[:first_line]) + _block_item(grant, dash, _eol(lines[first_line])) + "".join(lines[first_line:])


def renew_grant(text: str, path: list[str], grant: Grant) -> str:
    """`text` with the `x-expires` day of the existing `grant.tag` tag at `path` replaced by
    `grant.until` (the date's characters only: quoting and layout stay)."""
    node = _operation(text, path)
    tags = node.get("tags") if hasattr(node, "get") else None
    if not isinstance(tags, list) or _anchored(tags):
        raise CannotEdit("the grant's tag is not in the operation's own tags: change its x-expires by hand")
    for tag in tags:
        if hasattr(tag, "get") and tag.get("name") == grant.tag and "x-expires" in tag and not _anchored(tag):
            line, col = tag.lc.value("x-expires")
            lines = text.splitlines(keepends=True)
            at = col + (1 if lines[line][col:col + 1] in ("'", '"') else 0)
            old = lines[line][at:at + 10]
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", old):
                raise CannotEdit("the grant's x-expires is not written as YYYY-MM-DD: change it by hand")
            lines[line] = lines[line][:at] + str(grant.until) + lines[line][at + 10:]
            return "".join(lines)
    raise CannotEdit("the grant's tag with an x-expires is not in the operation's own tags: change it by hand")


def _new_tags(lines: list[str], node, grant: Grant, as_json: bool) -> str:
    line, col = node.lc.line, node.lc.col
    if as_json or node.fa.flow_style():
        key = '"tags"' if as_json else "tags"
        return _insert_after(lines, line, col, "{", f"{key}: [{_flow_item(grant, as_json)}]" + (", " if node else ""))
    if lines[line][:col].strip():
        raise CannotEdit("the operation's first key does not start its line")
    eol = _eol(lines[line])
    step = _indent_step(lines, line, col)
    block = f"{' ' * col}tags:{eol}" + _block_item(grant, col + step, eol)
    return "".join(lines[:line]) + block + "".join(lines[line:])


def _block_item(grant: Grant, dash: int, eol: str) -> str:
    pad = " " * dash
    out = f"{pad}- name: '{grant.tag}'{eol}"
    if grant.until:
        out += f"{pad}  x-expires: '{grant.until}'{eol}"
    return out


def _flow_item(grant: Grant, as_json: bool) -> str:
    if as_json:
        return '{"name": "%s"%s}' % (grant.tag, f', "x-expires": "{grant.until}"' if grant.until else "")
    return "{name: '%s'%s}" % (grant.tag, f", x-expires: '{grant.until}'" if grant.until else "")


def _insert_after(lines: list[str], line: int, col: int, opener: str, insert: str) -> str:
    """`insert` placed right after the `opener` bracket at or before (line, col)."""
    text = "".join(lines)
    at = sum(len(x) for x in lines[:line]) + col
    found = text.rfind(opener, 0, at + 1)
    if found < 0 or text[found:at].strip(" \t\r\n" + opener):
        raise CannotEdit(f"cannot find the '{opener}' of the operation's {'tags' if opener == '[' else 'mapping'}")
    return text[:found + 1] + insert + text[found + 1:]


def _anchored(node) -> bool:
    anchor = getattr(node, "anchor", None)
    return bool(getattr(anchor, "value", None))


def _eol(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n"


def _indent_step(lines: list[str], line: int, col: int) -> int:
    """The document's indentation step, from the line that opens the operation (2 when unsure)."""
    for above in range(line - 1, -1, -1):
        text = lines[above]
        if text.strip() and not text.lstrip().startswith("#"):
            step = col - (len(text) - len(text.lstrip(" ")))
            return step if 0 < step <= 8 else 2
    return 2


_DOMAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def valid_domain(domain: str) -> bool:
    """What can follow `User:` in an ACL and stand in a tag unquoted (lint's GRANT-SYNTAX)."""
    return bool(_DOMAIN.fullmatch(domain)) and len(domain) <= 249
