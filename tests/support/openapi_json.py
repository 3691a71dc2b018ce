#!/usr/bin/env python3
"""docs/openapi.yaml as JSON, for the tests that validate answers against it.

  python3 tests/support/openapi_json.py docs/openapi.yaml OUT.json

Dates and times stay strings (YAML 1.1 would make them timestamps), and a
key given twice is an error rather than the last one winning silently.
"""
import json
import sys

import yaml


class _Loader(yaml.SafeLoader):
    pass


# Keep 2026-10-01 a string, as JSON Schema and every YAML 1.2 reader do.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping(loader, node):
    out = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                        _mapping)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=_Loader)
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
