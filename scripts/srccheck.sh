#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Source checker: bans unbounded or error-blind libc calls and requires the
# SPDX line on every C file. Exits non-zero listing each offence.
set -u
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|strtok|gets)\s*\(' \
	$(find src include tests -name '*.[ch]') 2>/dev/null)
nospdx=$(for f in $(find src include tests -name '*.[ch]'); do
	head -1 "$f" | grep -q SPDX-License-Identifier || echo "$f: no SPDX line"
done)
[ -n "$bad" ] && printf 'banned call:\n%s\n' "$bad"
[ -n "$nospdx" ] && printf '%s\n' "$nospdx"
[ -z "$bad" ] && [ -z "$nospdx" ]
