#!/usr/bin/env python3
"""Reference canonicalizer for pqx-core/tests/c14n_lxml.rs: inclusive C14N 1.0 without
comments, computed by lxml (libxml2), an implementation independent of pqx.

Reads a JSON list of jobs on stdin, each {"path": file, "select": null | [local_name, n]}:
null canonicalizes the whole document, [local_name, n] the document subset made of the
n-th (0-based, document order) element with that local name and its descendants.
Writes a JSON list of {"c14n": base64} or {"error": message}, in job order.

lxml's in-document subtree C14N is wrong for XML-DSig (it emits xmlns="" on descendants
when the default namespace is declared on an ancestor), so a subtree is detached first:
serialized (lxml then declares every in-scope namespace on it), parsed again, and
canonicalized as a document. Detaching loses one C14N 1.0 rule, the inheritance of xml:*
attributes from omitted ancestors (REC section 2.4), which is re-applied here explicitly.
"""
import base64
import json
import sys

from lxml import etree

XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           remove_blank_text=False, remove_comments=False, remove_pis=False)


def c14n(path, select):
    tree = etree.parse(path, parser())
    if select is None:
        return etree.tostring(tree, method="c14n", exclusive=False, with_comments=False)
    local, index = select
    matches = [el for el in tree.iter()
               if isinstance(el.tag, str) and etree.QName(el).localname == local]
    el = matches[index]
    detached = etree.fromstring(etree.tostring(el, with_tail=False), parser())
    for ancestor in el.iterancestors():
        for name, value in ancestor.attrib.items():
            if name.startswith(XML_NS) and name not in detached.attrib:
                detached.set(name, value)
    return etree.tostring(detached, method="c14n", exclusive=False, with_comments=False)


def main():
    results = []
    for job in json.load(sys.stdin):
        try:
            out = c14n(job["path"], job["select"])
            results.append({"c14n": base64.b64encode(out).decode("ascii")})
        except Exception as e:  # reported per job, the Rust test prints it
            results.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
