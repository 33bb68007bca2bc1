"""MkDocs hook of the documentation site: the command and rule reference pages, generated from the
parser `specmesh --help` prints and from the rule registry `specmesh rules` lists (as Ruff's
rule pages come from its rule metadata)."""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout

from mkdocs.structure.files import File


def on_files(files, config):
    files.append(File.generated(config, "reference/commands.md", content=commands_page()))
    files.append(File.generated(config, "reference/rules.md", content=rules_page()))
    return files


def commands_page() -> str:
    from specmesh_docs.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = ["# Command options", "", "Generated from the parser itself: each section is what "
           "`specmesh COMMAND --help` prints.", ""]
    for name, command in sub.choices.items():
        out += [f"## specmesh {name}", "", "```text", _help(command).rstrip(), "```", ""]
    return "\n".join(out)


def _help(parser: argparse.ArgumentParser) -> str:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        parser.print_help()
    return buffer.getvalue()


def rules_page() -> str:
    from specmesh_docs.lint.engine import all_rules

    rules = sorted(all_rules().values(), key=lambda r: r.id)
    out = ["# Lint rules", "", f"Generated from the rule registry: {len(rules)} rules. `specmesh rules RULE-ID` "
           "prints the same in a terminal; the [policy file](../policy.md) changes a rule's severity.", "",
           "| rule | severity | scope |", "|---|---|---|"]
    out += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.scope}{', Kafka channels only' if r.kafka_only else ''} |"
            for r in rules]
    for r in rules:
        out += ["", f"## {r.id}", "", f"**{r.severity}**, {r.scope} rule. {r.summary}", "", f"**Fix:** {r.hint}", "",
                "Bad:", "", "```yaml", r.bad, "```", "", "Good:", "", "```yaml", r.good, "```"]
    return "\n".join(out) + "\n"
