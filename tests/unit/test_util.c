/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for size, duration and integer parsing, and reading MemAvailable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pcaprec/util.h"

struct size_case {
	const char *in;
	uint64_t bare;
	bool ok;
	uint64_t want;
};

static void test_parse_size(void **state)
{
	static const struct size_case rows[] = {
		{ "100", 1, true, 100 },
		{ "100", 1000000, true, 100000000 },
		{ "512K", 1, true, 512 * 1024 },
		{ "100M", 1, true, 100ull << 20 },
		{ "2G", 1, true, 2ull << 30 },
		{ "2g", 1, true, 2ull << 30 },
		{ "64MiB", 1, true, 64ull << 20 },
		{ "1T", 1, true, 1ull << 40 },
		{ "", 1, false, 0 },
		{ "K", 1, false, 0 },
		{ "-1", 1, false, 0 },
		{ "12X", 1, false, 0 },
		{ "0", 1, false, 0 },
		{ "99999999999999999999", 1, false, 0 },
		{ "20000000000G", 1, false, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t v = 0;
		bool ok = parse_size(rows[i].in, rows[i].bare, false, &v);
		assert_int_equal(ok, rows[i].ok);
		if (ok)
			assert_int_equal(v, rows[i].want);
	}
}

static void test_parse_duration(void **state)
{
	static const struct size_case rows[] = {
		{ "30s", 0, true, 30000000000ull },
		{ "30", 0, true, 30000000000ull },
		{ "15m", 0, true, 900000000000ull },
		{ "1h", 0, true, 3600000000000ull },
		{ "1d", 0, true, 86400000000000ull },
		{ "250ms", 0, true, 250000000ull },
		{ "0s", 0, false, 0 },
		{ "1y", 0, false, 0 },
		{ "s", 0, false, 0 },
		{ "1.5s", 0, true, 1500000000ull },
		{ "0.5s", 0, true, 500000000ull },
		{ "1.5", 0, true, 1500000000ull },
		{ "0.25", 0, true, 250000000ull },
		{ "1.25ms", 0, true, 1250000ull },
		{ "1.5h", 0, true, 5400000000000ull },
		{ "0.1d", 0, true, 8640000000000ull },
		{ "0.123456789s", 0, true, 123456789ull },
		{ "0.333333333m", 0, true, 19999999980ull },
		{ "2.5ns", 0, true, 2ull },
		{ "0.5ns", 0, false, 0 },
		{ "0.0s", 0, false, 0 },
		{ "0.1234567891s", 0, false, 0 },
		{ ".5s", 0, false, 0 },
		{ "1.s", 0, false, 0 },
		{ "1.5.5s", 0, false, 0 },
		{ "1,5s", 0, false, 0 },
		{ "-0.5s", 0, false, 0 },
		{ "213503d", 0, true, 213503ull * 86400000000000ull },
		{ "213503.9d", 0, true, 18446736960000000000ull },
		{ "213503.99d", 0, false, 0 },
		{ "213504d", 0, false, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t v = 0;
		bool ok = parse_duration(rows[i].in, &v);
		assert_int_equal(ok, rows[i].ok);
		if (ok)
			assert_int_equal(v, rows[i].want);
	}
}

static void test_parse_uint(void **state)
{
	uint64_t v;
	(void)state;
	assert_true(parse_uint("42", 1, 100, &v));
	assert_int_equal(v, 42);
	assert_false(parse_uint("0", 1, 100, &v));
	assert_false(parse_uint("101", 1, 100, &v));
	assert_false(parse_uint("4x", 1, 100, &v));
	assert_false(parse_uint("", 1, 100, &v));
	assert_false(parse_uint(NULL, 1, 100, &v));
}

static void test_meminfo_available(void **state)
{
	uint64_t v = 0;
	(void)state;
	assert_true(meminfo_available("MemTotal:       24683864 kB\nMemFree:        24122612 kB\n"
				      "MemAvailable:   24325024 kB\nBuffers:  1 kB\n", &v));
	assert_int_equal(v, 24325024ull * 1024);
	assert_true(meminfo_available("MemAvailable:\t0 kB\n", &v));
	assert_int_equal(v, 0);
	assert_false(meminfo_available("MemTotal: 100 kB\nMemFree: 50 kB\n", &v));
	assert_false(meminfo_available("MemAvailable: kB\n", &v));
	assert_false(meminfo_available("MemAvailable: 12 MB\n", &v));
	assert_false(meminfo_available("MemAvailable: 99999999999999999999 kB\n", &v));
	assert_true(mem_available(&v));
	assert_true(v > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_meminfo_available),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
