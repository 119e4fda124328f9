#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Test helper: one field of a systemd unit file as systemd would expand it.
#
#   unit_field.py UNIT KEY [VAR=VALUE...] [--map FROM=TO...]
#                 [--instance I] [--env-file FILE...]
#
# Prints the value of KEY in [Service] (last one wins), continuation lines
# joined. For ExecStart/ExecReload the command is split into words the way
# systemd.service(5) describes (quotes, ${VAR} and $VAR from Environment=
# lines or VAR=VALUE given here, "%%" -> "%") and printed one word a line;
# each --map FROM=TO replaces the prefix FROM of a word by TO (to point
# installed paths at the test's). --instance I expands %i and %I (a
# template unit's instance); --env-file FILE reads VAR=VALUE lines as
# EnvironmentFile= does (later files win, VAR=VALUE arguments win over
# both). $VAR alone as a word splits at whitespace, ${VAR} stays one word.
# Exits 1 when KEY is missing.
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


def env_file(path, env):
    """VAR=VALUE lines of an EnvironmentFile= (comments, quotes) into env."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")) or "=" not in line:
                continue
            k, v = line.split("=", 1)
            words = shlex.split(v)
            env[k.strip()] = " ".join(words)


def main(argv):
    unit, key = argv[1], argv[2]
    env, maps, instance, files = {}, [], None, {}
    args = argv[3:]
    i = 0
    while i < len(args):
        if args[i] == "--map":
            frm, to = args[i + 1].split("=", 1)
            maps.append((frm, to))
            i += 2
            continue
        if args[i] == "--instance":
            instance = args[i + 1]
            i += 2
            continue
        if args[i] == "--env-file":
            env_file(args[i + 1], files)
            i += 2
            continue
        k, v = args[i].split("=", 1)
        env[k] = v
        i += 1
    for k, v in files.items():
        env.setdefault(k, v)
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
    # Specifiers first ("%%", and %i/%I given --instance), then variables.
    value = value.replace("%%", "\x00")
    if instance is not None:
        value = value.replace("%i", instance).replace("%I", instance)
    if re.search(r"%", value):
        print("unit_field: unexpected specifier in " + value, file=sys.stderr)
        return 1
    for word in shlex.split(value):
        if re.fullmatch(r"\$\w+", word):
            parts = env.get(word[1:], "").split()
        else:
            parts = [re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word)]
        for part in parts:
            part = part.replace("\x00", "%")
            for frm, to in maps:
                if part.startswith(frm):
                    part = to + part[len(frm):]
            print(part)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
