#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Test helper: one field of a systemd unit file as systemd would expand it.
#
#   unit_field.py UNIT KEY [VAR=VALUE...] [--map FROM=TO...]
#
# Prints the value of KEY in [Service] (last one wins), continuation lines
# joined. For ExecStart/ExecReload the command is split into words the way
# systemd.service(5) describes (quotes, ${VAR} and $VAR from Environment=
# lines or VAR=VALUE given here, "%%" -> "%") and printed one word a line;
# each --map FROM=TO replaces the prefix FROM of a word by TO (to point
# installed paths at the test's). Exits 1 when KEY is missing.
import re
import shlex
import sys


def logical_lines(path):
    """Lines with backslash-newline continuations joined, comments dropped."""
    out, cur = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not cur and line.lstrip().startswith(("#", ";")):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            out.append(cur + line)
            cur = ""
    if cur:
        out.append(cur)
    return out


def service_keys(path):
    section, keys = None, []
    for line in logical_lines(path):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
        elif section == "Service" and "=" in s:
            k, v = s.split("=", 1)
            keys.append((k.strip(), v.strip()))
    return keys


def main(argv):
    unit, key = argv[1], argv[2]
    env, maps = {}, []
    args = argv[3:]
    i = 0
    while i < len(args):
        if args[i] == "--map":
            frm, to = args[i + 1].split("=", 1)
            maps.append((frm, to))
            i += 2
            continue
        k, v = args[i].split("=", 1)
        env[k] = v
        i += 1
    keys = service_keys(unit)
    for k, v in keys:
        if k == "Environment":
            for word in shlex.split(v):
                n, val = word.split("=", 1)
                env.setdefault(n, val)
    values = [v for k, v in keys if k == key]
    if not values:
        return 1
    value = values[-1]
    if key not in ("ExecStart", "ExecReload", "ExecStop"):
        print(value)
        return 0
    # Specifiers first ("%%" is the only one the unit may use), then variables.
    if re.search(r"%[^%]", value.replace("%%", "")):
        print("unit_field: unexpected specifier in " + value, file=sys.stderr)
        return 1
    value = value.replace("%%", "\x00")
    for word in shlex.split(value):
        word = re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word)
        if re.fullmatch(r"\$\w+", word):
            word = env.get(word[1:], "")
        word = word.replace("\x00", "%")
        for frm, to in maps:
            if word.startswith(frm):
                word = to + word[len(frm):]
        print(word)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
