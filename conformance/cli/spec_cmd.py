"""``replcheck spec``: the published contract from the installed package.

- ``replcheck spec [--format yaml|json|html] [--bundle] [-o FILE]``: the OpenAPI document (as
  written, or bundled into one self-contained file), or the reference page as one offline HTML
  file;
- ``replcheck spec --schema NAME``: one self-contained JSON Schema (``status-response``,
  ``report``, ...);
- ``replcheck spec diff OLD NEW [--corpus DIR]``: the breaking-change gate. Exit 0 when nothing
  breaks, 1 on any breaking change, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from replcheck import spec


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "spec",
        help="print the OpenAPI document, its reference page or one schema; diff two versions",
        description=(
            "Print replcheck's OpenAPI 3.1 document for /sys/replication, its reference page "
            "(--format html) or one self-contained JSON Schema (--schema); "
            "'replcheck spec diff OLD NEW' classifies the changes between two versions."
        ),
    )
    parser.add_argument("--format", choices=("yaml", "json", "html"), default="yaml")
    parser.add_argument(
        "--bundle",
        action="store_true",
        help="inline every schema and example, giving one self-contained document",
    )
    parser.add_argument(
        "--schema",
        metavar="NAME",
        help="print one self-contained JSON Schema instead: "
        + ", ".join(spec.standalone_names()),
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    parser.set_defaults(handler=run)
    # argparse writes a sub-command as required ("ACTION ...") in the usage even when it is
    # optional: the usage is written as the two forms the command has instead.
    printing = parser.format_usage().removeprefix("usage: ").rstrip()
    actions = parser.add_subparsers(
        dest="spec_action",
        metavar="ACTION",
        title="action (optional: without one, the document is printed)",
        parser_class=type(parser),
    )
    differ = actions.add_parser(
        "diff",
        help="classify the changes between two versions of the contract",
        description=(
            "Compare two versions of the contract and print each change, breaking or not. "
            "OLD and NEW are 'current' (the installed contract), a released version kept in "
            f"the package ({', '.join(spec.released_versions())}) or a file with a "
            "bundled document. The examples of both and the project's corpus of real outputs "
            "(spec/corpus) are replayed. "
            "Exit 0: nothing breaks; 1: a breaking change; 2: unreadable input."
        ),
    )
    differ.add_argument("old", metavar="OLD")
    differ.add_argument("new", metavar="NEW")
    differ.add_argument(
        "--corpus",
        metavar="DIR",
        action="append",
        default=[],
        help="a folder of captured GET sys/replication/status answers (*.json) to replay",
    )
    differ.add_argument("--quiet", action="store_true", help="print only breaking changes")
    differ.set_defaults(handler=run_diff)
    diffing = differ.format_usage().removeprefix("usage: ").rstrip()
    parser.usage = f"{printing}\n       {diffing}"


def _emit(text: str, output: str | None) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"replcheck spec: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> int:
    if args.schema is not None:
        try:
            document: Any = spec.standalone_schema(args.schema)
        except KeyError as exc:
            print(f"replcheck spec: {exc.args[0]}", file=sys.stderr)
            return 2
        return _emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", args.output)
    if args.format == "html":
        from replcheck.spec.reference_docs import render_html

        return _emit(render_html(), args.output)
    if args.format == "yaml" and not args.bundle:
        text = (spec.spec_dir() / "openapi.yaml").read_text(encoding="utf-8")
        return _emit(text, args.output)
    document = spec.bundled_openapi() if args.bundle else spec.openapi()
    if args.format == "json":
        return _emit(json.dumps(document, indent=2) + "\n", args.output)
    return _emit(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), args.output
    )


def _corpus(folders: list[str]) -> list[tuple[str, str, Any]]:
    from replcheck.spec.compat import SpecSourceError, project_corpus

    samples = project_corpus()
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            raise SpecSourceError(f"corpus {folder} is not a folder")
        for path in sorted(root.rglob("*.json")):
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                samples.append((str(path), "status", document))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                raise SpecSourceError(f"corpus file {path} is not readable JSON") from None
    return samples


def run_diff(args: argparse.Namespace) -> int:
    from replcheck.spec.compat import SpecSourceError, diff, load_document

    try:
        old_label, old = load_document(args.old)
        new_label, new = load_document(args.new)
        corpus = _corpus(args.corpus)
    except SpecSourceError as exc:
        print(f"replcheck spec diff: {exc}", file=sys.stderr)
        return 2
    changes = diff(old, new, corpus)
    breaking = [c for c in changes if c.breaking]
    old_version = old.get("info", {}).get("version", "?")
    new_version = new.get("info", {}).get("version", "?")
    print(f"{old_label} (contract {old_version}) -> {new_label} (contract {new_version})")
    for change in changes:
        if change.breaking or not args.quiet:
            print(f"  {change}")
    print(
        f"{len(changes)} change(s), {len(breaking)} breaking"
        + (f"; {len(corpus)} corpus sample(s) replayed" if corpus else "")
    )
    return 1 if breaking else 0
