/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for capture's pure helpers: ARPHRD to LINKTYPE, VLAN tag re-insertion, SLL2 headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/if_arp.h>

#include "pcaprec/capture.h"

struct arphrd_case {
	uint16_t arphrd;
	uint32_t want;
};

static void test_linktype_for_arphrd(void **state)
{
	static const struct arphrd_case rows[] = {
		{ ARPHRD_ETHER, LINKTYPE_ETHERNET },
		{ ARPHRD_LOOPBACK, LINKTYPE_ETHERNET },
		{ ARPHRD_NONE, LINKTYPE_RAW },
		{ ARPHRD_IEEE80211_RADIOTAP, 0 },
		{ ARPHRD_PPP, 0 },
		{ ARPHRD_IPGRE, 0 },
		{ ARPHRD_SIT, 0 },
		{ ARPHRD_INFINIBAND, 0 },
		{ ARPHRD_CAN, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_int_equal(capture_linktype_for_arphrd(rows[i].arphrd), rows[i].want);
}

struct vlan_case {
	size_t len;
	uint16_t tpid, tci;
	const uint8_t want_tag[4];
};

static void test_vlan_insert(void **state)
{
	static const struct vlan_case rows[] = {
		{ 60, 0x8100, 0x0064, { 0x81, 0x00, 0x00, 0x64 } },   /* VID 100 */
		{ 60, 0x8100, 0xafff, { 0x81, 0x00, 0xaf, 0xff } },   /* PCP 5, DEI 0, VID 4095 */
		{ 14, 0x88a8, 0x00c8, { 0x88, 0xa8, 0x00, 0xc8 } },   /* 802.1ad S-tag */
		{ 12, 0x8100, 0x0001, { 0x81, 0x00, 0x00, 0x01 } },   /* addresses only */
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t buf[4 + 64], orig[64];
		uint8_t *out;

		for (size_t j = 0; j < sizeof orig; j++)
			orig[j] = (uint8_t)(j * 7 + 1);
		memset(buf, 0xee, sizeof buf);
		memcpy(buf + 4, orig, rows[i].len);
		out = capture_vlan_insert(buf + 4, rows[i].len, rows[i].tpid, rows[i].tci);
		assert_ptr_equal(out, buf);
		assert_memory_equal(out, orig, 12);              /* dst and src MAC moved up */
		assert_memory_equal(out + 12, rows[i].want_tag, 4);
		assert_memory_equal(out + 16, orig + 12, rows[i].len - 12); /* rest untouched */
	}
}

static void test_vlan_insert_too_short(void **state)
{
	uint8_t buf[4 + 11];

	(void)state;
	memset(buf, 0x5a, sizeof buf);
	assert_null(capture_vlan_insert(buf + 4, 11, 0x8100, 1));
	for (size_t j = 0; j < sizeof buf; j++)
		assert_int_equal(buf[j], 0x5a);
}

static void test_sll2_header(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
	static const uint8_t want_eth[20] = {
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x04, 0x06,
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x00, 0x00,
	};
	static const uint8_t long_addr[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint8_t want_long[20] = {
		0x86, 0xdd, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0xff, 0xfe, 0x00, 0x0a,
		1, 2, 3, 4, 5, 6, 7, 8,
	};
	static const uint8_t want_none[20] = {
		0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint8_t out[SLL2_HDR_LEN];
	const uint8_t ipv4_be[2] = { 0x08, 0x00 }, ipv6_be[2] = { 0x86, 0xdd }, all_be[2] = { 0, 3 };
	uint16_t p;

	(void)state;
	memset(out, 0xcc, sizeof out);
	memcpy(&p, ipv4_be, 2);
	capture_sll2_header(out, p, 7, ARPHRD_ETHER, 4 /* PACKET_OUTGOING */, 6, mac);
	assert_memory_equal(out, want_eth, sizeof out);

	memcpy(&p, ipv6_be, 2);
	capture_sll2_header(out, p, 0x01020304, 0xfffe, 0, 10, long_addr);
	assert_memory_equal(out, want_long, sizeof out);   /* address cut to 8, halen kept */

	memcpy(&p, all_be, 2);
	capture_sll2_header(out, p, 1, 0, 3, 0, NULL);
	assert_memory_equal(out, want_none, sizeof out);
}

/* The ring size ring_open maps, known before any socket: what -B is checked with. */
static void test_ring_bytes(void **state)
{
	(void)state;
	/* default snaplen 262144: 512 KiB blocks */
	assert_int_equal(capture_ring_bytes(0, 0), 64ull << 20);
	assert_int_equal(capture_ring_bytes(0, (64ull << 20) + 1000), 64ull << 20);
	assert_int_equal(capture_ring_bytes(0, 1024), 2ull * (512u << 10));
	/* 65536 blocks at most, however large -B is */
	assert_int_equal(capture_ring_bytes(0, 1ull << 40), 65536ull * (512u << 10));
	assert_int_equal(capture_ring_bytes(0, UINT64_MAX), 65536ull * (512u << 10));
	/* small snaplen: 128 KiB blocks */
	assert_int_equal(capture_ring_bytes(1500, 1ull << 20), 1ull << 20);
	assert_int_equal(capture_ring_bytes(1500, 1ull << 40), 65536ull * (128u << 10));
}

/* CPU model lines as /proc/cpuinfo writes them on x86, ARM and MIPS, and texts without one. */
static void test_cpuinfo_model(void **state)
{
	static const struct {
		const char *text;
		const char *want;   /* NULL: none found */
	} rows[] = {
		{ "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\n"
		  "model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nstepping\t: 7\n", "Intel(R) Xeon(R) CPU @ 2.20GHz" },
		{ "model name\t: AMD EPYC  \r\nmodel name\t: other\n", "AMD EPYC" },
		{ "processor\t: 0\nBogoMIPS\t: 108.00\nHardware\t: BCM2835\n", "BCM2835" },
		{ "system type\t\t: MT7621\ncpu model\t\t: MIPS 1004Kc V2.15\n", "MIPS 1004Kc V2.15" },
		{ "Processor\t: ARMv7 Processor rev 4 (v7l)", "ARMv7 Processor rev 4 (v7l)" },
		{ "model\t\t: 85\nmodel name\t:   \n", NULL },
		{ "model named\t: no\n", NULL },
		{ "model name no colon\n", NULL },
		{ "", NULL },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(buf, 'x', sizeof buf);
		buf[sizeof buf - 1] = '\0';
		if (!rows[i].want) {
			assert_false(cpuinfo_model(rows[i].text, buf, sizeof buf));
			continue;
		}
		assert_true(cpuinfo_model(rows[i].text, buf, sizeof buf));
		assert_string_equal(buf, rows[i].want);
	}
	/* a value longer than the buffer is cut, never overrun */
	assert_true(cpuinfo_model("model name: 0123456789", buf, 5));
	assert_string_equal(buf, "0123");
}

/* An interface that is not there, or a name that is not a name, gives nothing (and no crash). */
static void test_iface_info_missing(void **state)
{
	struct capture_iface_info info;

	(void)state;
	capture_iface_info("pcaprec-none0", &info);
	assert_string_equal(info.alias, "");
	assert_string_equal(info.hardware, "");
	assert_int_equal(info.speed_bps, 0);
	capture_iface_info("../../../etc", &info);
	assert_string_equal(info.alias, "");
	assert_int_equal(info.speed_bps, 0);
	capture_iface_info("", &info);
	assert_string_equal(info.hardware, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linktype_for_arphrd),
		cmocka_unit_test(test_vlan_insert),
		cmocka_unit_test(test_vlan_insert_too_short),
		cmocka_unit_test(test_sll2_header),
		cmocka_unit_test(test_ring_bytes),
		cmocka_unit_test(test_cpuinfo_model),
		cmocka_unit_test(test_iface_info_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
