/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for Community ID v1: the spec's baseline (corelight/community-id-spec baseline/baseline_deflt.json), both directions of every flow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <string.h>
#include <cmocka.h>

#include "pcaprec/community_id.h"

struct cid_case {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport; /* ICMP: type, code */
	const char *want;
};

static void test_baseline(void **state)
{
	/* ICMP rows give type and code (the baseline lists port equivalents: type, counter-type or code) */
	static const struct cid_case rows[] = {
		{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
		{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
		{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
		{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
		{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
		{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
		{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
		{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
		{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
		{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
		{ 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
		{ 1, "192.168.0.1", "192.168.0.89", 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
		{ 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
		{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
		{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
		{ 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
		{ 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
		{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
		{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
		{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
		{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
		{ 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
		{ 46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	};
	char id[COMMUNITY_ID_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t s[16], d[16];
		int fam = strchr(rows[i].saddr, ':') ? 6 : 4;

		assert_int_equal(inet_pton(fam == 6 ? AF_INET6 : AF_INET, rows[i].saddr, s), 1);
		assert_int_equal(inet_pton(fam == 6 ? AF_INET6 : AF_INET, rows[i].daddr, d), 1);
		community_id(fam, rows[i].proto, s, d, rows[i].sport, rows[i].dport, 0, id);
		if (strcmp(id, rows[i].want) != 0)
			fail_msg("row %zu: %s, want %s", i, id, rows[i].want);
		assert_true(community_id_valid(id));
	}
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(community_id_valid("1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="));
	assert_false(community_id_valid("2:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="));
	assert_false(community_id_valid("1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0"));
	assert_false(community_id_valid("1:hO+sN4H+MG5MY/8hIrXPqc4ZQ!0="));
	assert_false(community_id_valid(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
