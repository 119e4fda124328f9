/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP options past the basic ones, as tcpdump 4.99 prints them: MPTCP, MD5, TCP-AO, fast open, experimental. */
#include <inttypes.h>

#include "pcaprec/print.h"
#include "pcaprec/util.h"

static void hex(struct pbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_printf(b, "%02x", p[i]);
}

/* MP_CAPABLE (RFC 8684 3.1; v0 RFC 6824): SYN 4/12 bytes, third ACK 20/22. */
static bool mp_capable(const uint8_t *o, uint8_t len, uint16_t fl, struct pbuf *b)
{
	if (!((len == 12 || len == 4) && (fl & TCP_SYN)) &&
	    !((len == 20 || len == 22) && (fl & (TCP_SYN | TCP_ACK)) == TCP_ACK))
		return false;
	uint8_t ver = o[2] & 0xf;
	if (ver > 1) {
		pb_printf(b, " Unknown Version (%u)", ver);
		return true;
	}
	pb_printf(b, " v%u%s", ver, (o[3] & 0x80) ? " csum" : "");
	if (len == 12 || len >= 20) {
		pb_printf(b, " {0x%" PRIx64, ld_be64(o + 4));
		if (len >= 20)
			pb_printf(b, ",0x%" PRIx64, ld_be64(o + 12));
		pb_puts(b, "}");
	}
	return true;
}

/* MP_JOIN (RFC 8684 3.2): SYN 12, SYN/ACK 16, ACK 24 bytes. */
static bool mp_join(const uint8_t *o, uint8_t len, uint16_t fl, struct pbuf *b)
{
	if (!(len == 12 && (fl & TCP_SYN)) &&
	    !(len == 16 && (fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) &&
	    !(len == 24 && (fl & TCP_ACK)))
		return false;
	if (len != 24)
		pb_printf(b, "%s id %u", (o[2] & 1) ? " backup" : "", o[3]);
	if (len == 12) {
		pb_printf(b, " token 0x%x nonce 0x%x", ld_be32(o + 4), ld_be32(o + 8));
	} else if (len == 16) {
		pb_printf(b, " hmac 0x%" PRIx64 " nonce 0x%x", ld_be64(o + 4), ld_be32(o + 12));
	} else {
		pb_puts(b, " hmac 0x");
		hex(b, o + 4, 20);
	}
	return true;
}

/* A 4- or 8-byte number of a DSS option at o[*at], which must fit in len. */
static bool dss_num(const uint8_t *o, uint8_t len, size_t *at, bool wide, struct pbuf *b)
{
	size_t n = wide ? 8 : 4;
	if (*at + n > len)
		return false;
	if (wide)
		pb_printf(b, "%" PRIu64, ld_be64(o + *at));
	else
		pb_printf(b, "%u", ld_be32(o + *at));
	*at += n;
	return true;
}

/* DSS (RFC 8684 3.3): flags F m M a A, data ACK, mapping, optional checksum; never on a SYN. */
static bool mp_dss(const uint8_t *o, uint8_t len, uint16_t fl, struct pbuf *b)
{
	size_t at = 4;

	if (len < 4 || (fl & TCP_SYN))
		return false;
	uint8_t f = o[3];
	if (f & 0x10)
		pb_puts(b, " fin");
	if (f & 0x01) {
		pb_puts(b, " ack ");
		if (!dss_num(o, len, &at, (f & 0x02) != 0, b))
			return false;
	}
	if (f & 0x04) {
		pb_puts(b, " seq ");
		if (!dss_num(o, len, &at, (f & 0x08) != 0, b) || at + 6 > len)
			return false;
		pb_printf(b, " subseq %u len %u", ld_be32(o + at), ld_be16(o + at + 4));
		at += 6;
		if (at + 2 <= len) {
			pb_printf(b, " csum 0x%x", ld_be16(o + at));
			at += 2;
		}
	}
	return at == len;
}

/* ADD_ADDR (RFC 8684 3.4.1): IPv4 or IPv6 by length, optional port and truncated HMAC. */
static bool mp_add_addr(const uint8_t *o, uint8_t len, struct pbuf *b)
{
	static const char *const echo[16] = { [0] = "v1", [1] = "v1-echo", [4] = "v0-ip4", [6] = "v0-ip6" };
	bool v4 = len == 8 || len == 10 || len == 16 || len == 18;
	bool v6 = len == 20 || len == 22 || len == 28 || len == 30;

	if (!v4 && !v6)
		return false;
	const char *e = echo[o[2] & 0xf];
	pb_printf(b, " %s id %u ", e ? e : "[bad version/echo]", o[3]);
	pb_ip(b, v4 ? 4 : 6, o + 4);
	size_t at = v4 ? 8 : 20;
	if (len == 10 || len == 18 || len == 22 || len == 30) {
		pb_printf(b, ":%u", ld_be16(o + at));
		at += 2;
	}
	if (len == 16 || len == 18 || len == 28 || len == 30)
		pb_printf(b, " hmac 0x%" PRIx64, ld_be64(o + at));
	return true;
}

/*
 * Multipath TCP (kind 30, RFC 8684, RFC 6824): "mptcp LEN SUBTYPE ...".
 * Subtypes past MP_FASTCLOSE (incl. MP_TCPRST, 8) are "unknown" as in
 * tcpdump 4.99. False: the option does not fit its subtype.
 */
static bool print_mptcp(const uint8_t *o, uint8_t len, uint16_t fl, struct pbuf *b)
{
	static const char *const names[] = {
		"capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "unknown",
	};
	if (len < 3)
		return false;
	unsigned sub = o[2] >> 4;
	if (sub > 8)
		sub = 8;
	pb_printf(b, " %s", names[sub]);
	switch (sub) {
	case 0:
		return mp_capable(o, len, fl, b);
	case 1:
		return mp_join(o, len, fl, b);
	case 2:
		return mp_dss(o, len, fl, b);
	case 3:
		return mp_add_addr(o, len, b);
	case 4: /* REMOVE_ADDR: a list of address ids */
		if (len < 4)
			return false;
		pb_puts(b, " id");
		for (uint8_t i = 3; i < len; i++)
			pb_printf(b, " %u", o[i]);
		return true;
	case 5: /* MP_PRIO */
		if (len != 3 && len != 4)
			return false;
		pb_puts(b, (o[2] & 1) ? " backup" : " non-backup");
		if (len == 4)
			pb_printf(b, " id %u", o[3]);
		return true;
	case 6: /* MP_FAIL: data sequence number */
	case 7: /* MP_FASTCLOSE: the receiver's key */
		if (len != 12)
			return false;
		pb_printf(b, sub == 6 ? " seq %" PRIu64 : " key 0x%" PRIx64, ld_be64(o + 4));
		return true;
	default:
		return true;
	}
}

/* TCP Fast Open cookie (RFC 7413 4.1.1): none is a request, else 4-16 bytes, even. */
static void print_tfo(const uint8_t *c, size_t n, struct pbuf *b)
{
	if (n == 0)
		pb_puts(b, " cookiereq");
	else if (n % 2 != 0 || n < 4 || n > 16)
		pb_puts(b, " (invalid)");
	else {
		pb_puts(b, " cookie ");
		hex(b, c, n);
	}
}

int print_tcp_opt_more(const uint8_t *o, uint8_t len, uint16_t tcp_flags, struct pbuf *b)
{
	size_t n = len - 2u;

	switch (o[0]) {
	case 19: /* TCP MD5 signature (RFC 2385); no secret to check it with */
		if (n < 16)
			break;
		pb_puts(b, "md5 shared secret not supplied with -M, can't check - ");
		hex(b, o + 2, 16);
		return 1;
	case 29: /* TCP-AO (RFC 5925 2.2) */
		pb_puts(b, "tcp-ao");
		if (n < 2) {
			pb_puts(b, " (invalid)");
			return 1;
		}
		pb_printf(b, " keyid %u rnextkeyid %u", o[2], o[3]);
		if (n > 2) {
			pb_puts(b, " mac 0x");
			hex(b, o + 4, n - 2);
		}
		return 1;
	case 30:
		pb_printf(b, "mptcp %u", len);
		if (print_mptcp(o, len, tcp_flags, b))
			return 1;
		break;
	case 34:
		pb_puts(b, "tfo ");
		print_tfo(o + 2, n, b);
		return 1;
	case 254: /* experimental, RFC 6994 ExID: fast open's 0xf989, AccECN's 0xacc0/0xacc1 */
		pb_puts(b, "exp");
		if (n < 2)
			break;
		pb_putc(b, '-');
		switch (ld_be16(o + 2)) {
		case 0xf989:
			pb_puts(b, "tfo");
			print_tfo(o + 4, n - 2, b);
			break;
		case 0xacc0:
			pb_puts(b, "acc0");
			break;
		case 0xacc1:
			pb_puts(b, "acc1");
			break;
		default:
			pb_printf(b, "%04x", ld_be16(o + 2));
			break;
		}
		return 1;
	default:
		return 0;
	}
	pb_puts(b, "[bad opt]");
	return -1;
}
