#!/usr/bin/env python3
"""Build policies/stable-abi.json from CPython's Misc/stable_abi.toml.

Usage: python3 policies/stable-abi.py STABLE_ABI_TOML COMMIT > policies/stable-abi.json

STABLE_ABI_TOML is the file Misc/stable_abi.toml of the python/cpython repository at
COMMIT (40 hex digits, recorded in the output's provenance line with the input's sha256).
Only the items that are exported symbols are kept: `function` and `data`. Per symbol: the
Python version that added it to the stable ABI, its kind, whether it is ABI-only (usable by
compiled code, not part of the documented Limited API) and the feature macro it depends on.
Needs Python 3.11+ (tomllib); standard library only. The output is deterministic: symbols
sorted by name, one per line.
"""

import hashlib
import json
import re
import sys
import tomllib

KINDS = ("function", "data")
VERSION_RE = re.compile(r"^3\.\d+$")


def symbols(doc):
    out = {}
    for kind in KINDS:
        for name, item in doc.get(kind, {}).items():
            added = item.get("added")
            if not isinstance(added, str) or not VERSION_RE.match(added):
                raise SystemExit("{}.{}: 'added' must be a version like '3.2', found {!r}".format(kind, name, added))
            if name in out:
                raise SystemExit("{} is listed twice".format(name))
            entry = {"added": added, "kind": kind}
            if item.get("abi_only") is True:
                entry["abiOnly"] = True
            if "ifdef" in item:
                entry["ifdef"] = item["ifdef"]
            out[name] = entry
    return out


def main(argv):
    if len(argv) != 2 or not re.match(r"^[0-9a-f]{40}$", argv[1]):
        raise SystemExit(__doc__)
    with open(argv[0], "rb") as f:
        raw = f.read()
    doc = tomllib.loads(raw.decode("utf-8"))
    syms = symbols(doc)
    provenance = (
        "CPython Misc/stable_abi.toml at python/cpython commit {} (sha256 {}), "
        "converted by policies/stable-abi.py".format(argv[1], hashlib.sha256(raw).hexdigest())
    )
    lines = ["{", '  "format": "wheelaudit-stable-abi/1",']
    lines.append('  "provenance": {},'.format(json.dumps(provenance)))
    lines.append('  "commit": "{}",'.format(argv[1]))
    lines.append('  "symbols": {')
    names = sorted(syms)
    for i, name in enumerate(names):
        sep = "," if i < len(names) - 1 else ""
        lines.append("    {}: {}{}".format(json.dumps(name), json.dumps(syms[name], separators=(", ", ": ")), sep))
    lines.append("  }")
    lines.append("}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
