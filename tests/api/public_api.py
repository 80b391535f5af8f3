#!/usr/bin/env python3
"""Lists pqx-core's public API from rustdoc's JSON output, one item per line, sorted.

Usage: public_api.py pqx_core.json > pqx-core.txt

Walks the crate from its root module through public items only: modules, re-exports, structs
(with their public fields), enums (with their variants), traits, functions, constants,
statics and type aliases, and the methods of inherent impls. A line is `kind path` (and, for a
re-export, where it points), so a diff of the snapshot shows exactly what was added, removed
or renamed. Signatures are not compared: renames and removals are what break dependents
first, and a line per item keeps the snapshot readable.
"""
import json
import sys


def main() -> None:
    doc = json.load(open(sys.argv[1]))
    index = doc["index"]
    paths = doc.get("paths", {})
    lines = set()

    def item(i):
        return index.get(str(i))

    def target(i):
        p = paths.get(str(i))
        return "::".join(p["path"]) if p else "?"

    def methods(owner_path, impl_ids):
        for impl_id in impl_ids:
            impl = item(impl_id)
            if not impl or "impl" not in impl["inner"]:
                continue
            body = impl["inner"]["impl"]
            if body.get("trait") is not None or body.get("is_synthetic") or body.get("blanket_impl"):
                continue
            for m in body["items"]:
                mi = item(m)
                if mi and mi["visibility"] == "public" and mi["name"]:
                    kind = next(iter(mi["inner"]))
                    lines.add(f"{kind} {owner_path}::{mi['name']}")

    def walk(i, prefix, name=None):
        it = item(i)
        if it is None or it["visibility"] not in ("public",) and it["id"] != doc["root"]:
            return
        kind = next(iter(it["inner"]))
        body = it["inner"][kind]
        if kind == "use":
            lines.add(f"use {prefix}::{body['name']}{'::*' if body.get('is_glob') else ''} = {body['source']}")
            # A re-export of an item in a private module is the only way to name it: list its
            # members under the re-exported path (a module's items are listed where it is).
            target_item = item(body["id"]) if body.get("id") is not None else None
            if target_item and not body.get("is_glob") and "module" not in target_item["inner"]:
                walk(body["id"], prefix, body["name"])
            return
        path = f"{prefix}::{name or it['name']}" if prefix else it["name"]
        lines.add(f"{kind} {path}")
        if kind == "module":
            for child in body["items"]:
                walk(child, path)
        elif kind == "struct":
            fields = body["kind"].get("plain", {}).get("fields", []) if isinstance(body["kind"], dict) else []
            for f in fields:
                fi = item(f)
                if fi and fi["visibility"] == "public":
                    lines.add(f"field {path}.{fi['name']}")
            methods(path, body.get("impls", []))
        elif kind == "enum":
            for v in body["variants"]:
                vi = item(v)
                if vi:
                    lines.add(f"variant {path}::{vi['name']}")
            methods(path, body.get("impls", []))
        elif kind == "trait":
            for m in body["items"]:
                mi = item(m)
                if mi:
                    lines.add(f"trait_item {path}::{mi['name']}")

    walk(doc["root"], "")
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
