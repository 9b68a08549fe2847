#!/usr/bin/env python3
"""Renders one of docs/*.md as a man page, so the configuration and profile references have a single
source (the Markdown) and `man iomtd.json` / `man iomtd-profile` never drift from it.

usage: scripts/md2man.py INPUT.md NAME SECTION "one-line description" > NAME.SECTION

Handles what those documents use: headings, paragraphs, fenced code, bullet lists, pipe tables
(rendered as tagged paragraphs: the first cell as the tag, the other cells joined), `code`, **bold**.
"""
import re
import sys


def escape(text):
    text = text.replace("\\", "\\e")
    text = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)
    return text


def line_start(text):
    # roff treats a leading . or ' as a request.
    return "\\&" + text if text[:1] in (".", "'") else text


def cells(row):
    parts = [c.strip() for c in row.strip().strip("|").split("|")]
    return [p.replace("\\|", "|") for p in parts]


def render(markdown, name, section, description):
    out = [f'.TH {name.upper()} {section} "" "iomtd" "iomtd manual"', ".SH NAME", f"{name} \\- {escape(description)}"]
    lines = markdown.splitlines()
    i = 0
    header = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            out.append(".PP\n.nf\n.RS 2")
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(line_start(lines[i].replace("\\", "\\e")))
                i += 1
            out.append(".RE\n.fi")
        elif line.startswith("# "):
            out.append(".SH DESCRIPTION")
            out.append(line_start(escape(line[2:].strip())))
        elif line.startswith("## "):
            out.append(".SH " + escape(line[3:].strip()).upper())
        elif line.startswith("### "):
            out.append(".SS " + escape(line[4:].strip()))
        elif line.startswith("|"):
            row = cells(line)
            if header is None:
                header = row
            elif all(re.fullmatch(r":?-+:?", c) for c in row if c):
                pass
            else:
                out.append(".TP\n" + line_start(escape(row[0])))
                rest = [f"{header[k]}: {escape(c)}" if k < len(header) and k > 1 else escape(c) for k, c in enumerate(row[1:], start=1) if c]
                out.append(line_start(" \\(em ".join(rest)))
        elif re.match(r"\s*[-*] ", line):
            indent = len(line) - len(line.lstrip())
            out.append(".IP \\(bu %d" % (2 + indent // 2 * 2))
            out.append(line_start(escape(re.sub(r"^\s*[-*] ", "", line))))
        elif not line.strip():
            header = None
            out.append(".PP")
        else:
            out.append(line_start(escape(line.strip())))
        if not line.startswith("|"):
            header = None if not line.strip() or not line.startswith("|") else header
        i += 1
    out.append(".SH SEE ALSO\n\\fBiomtd\\fR(8), \\fBiomtctl\\fR(1)")
    # Collapse runs of paragraph breaks.
    text = "\n".join(out)
    text = re.sub(r"(\.PP\n)+", ".PP\n", text)
    return text + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    source, name, section, description = sys.argv[1:]
    with open(source, encoding="utf-8") as handle:
        sys.stdout.write(render(handle.read(), name, section, description))
