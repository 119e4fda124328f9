/* SPDX-License-Identifier: BSD-2-Clause */
/* The filter fuzz target built with its plain replay main(), so its corpus runs in make test. */
#include "../fuzz/fuzz_filter.c"
