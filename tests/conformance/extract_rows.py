#!/usr/bin/env python3
"""Extract the requirement rows of the VRRP conformance checklist into rows.tsv.

Usage: python3 tests/conformance/extract_rows.py CHECKLIST.md > tests/conformance/rows.tsv

The checklist itself is not part of the repository; this script is how rows.tsv was made from it.
Columns: id (several ids of one row are joined with ","), group (the checklist table the row is
in), section, level (RFC 5798 rows only), title.
The title is the first sentence of the row's paraphrase (RFC 9568 deltas: of its change text;
MIB rows: the object and what it counts).
"""
import re
import sys

def cells(line):
    return [c.strip() for c in line.strip().strip("|").split(" | ")]

def first_sentence(text):
    # Up to the first ". "; a first sentence shorter than 25 characters ("IPv4 form.") takes the
    # next one along.
    ends = [m.end(1) for m in re.finditer(r"(\.)(\s|$)", text)]
    for end in ends:
        if end >= 25:
            return text[:end]
    return text

def clean(s):
    return s.replace("\t", " ").replace("**", "")

def main(path):
    table = None
    group = None
    out = [
        "# Rows of the VRRP conformance checklist, made by tests/conformance/extract_rows.py.",
        "# id\tgroup\tsection\tlevel\ttitle",
    ]
    for line in open(path, encoding="utf-8"):
        if line.startswith("## 1. "):
            table = "5798"
        elif line.startswith("## 1b. "):
            table = "9568"
        elif line.startswith("## 2. "):
            table = "v2"
        elif line.startswith("## 3. "):
            table = "mib"
        elif line.startswith("## "):
            table = None
        if table == "5798" and line.startswith("### "):
            group = "RFC 5798 " + line[4:].strip()
        elif table == "9568":
            group = "RFC 9568 changes and errata"
        elif table == "v2":
            group = "RFC 3768 (VRRPv2) differences"
        elif table == "mib":
            group = "RFC 6527 (VRRPV3-MIB) objects"
        if table is None or not line.startswith("| "):
            continue
        c = cells(line)
        if table == "5798":
            if not re.fullmatch(r"\d+", c[0]):
                continue
            ident, sec, level, req = c[1], c[2], c[3], c[4]
        elif table == "9568":
            if not c[0].startswith("V3-9568-"):
                continue
            ident, sec, level, req = c[0], c[1], "", c[2]
        elif table == "v2":
            if not re.fullmatch(r"V2-\d+", c[0]):
                continue
            ident, sec, level, req = c[0], c[1], "", c[2]
        else:
            if not re.fullmatch(r"MIB-\d+", c[0]):
                continue
            ident, sec, level, req = c[0], "", "", c[1] + ": " + c[3]
        # "V3-9568-E7947 / E7949" is one row with two ids.
        parts = [p.strip() for p in ident.split("/")]
        prefix = parts[0].rsplit("-", 1)[0]
        ids = [parts[0]] + [p if "-" in p else prefix + "-" + p for p in parts[1:]]
        title = req if table == "mib" else first_sentence(req)
        out.append("\t".join(clean(x) for x in [",".join(ids), group, sec, level, title]))
    print("\n".join(out))

if __name__ == "__main__":
    main(sys.argv[1])
