/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP header (RFC 9293) and options: MSS, window scale, SACK, timestamps (RFC 7323, RFC 2018). */
#include "pcaprec/decode.h"
#include "pcaprec/util.h"

/* Values of the options we understand, when their length is the one the RFC gives. */
static void tcp_opt_value(const uint8_t *o, uint8_t kind, uint8_t olen, struct dec_tcp *t)
{
	if (kind == TCPOPT_MSS && olen == 4) {
		t->has_mss = true;
		t->mss = ld_be16(o + 2);
	} else if (kind == TCPOPT_WSCALE && olen == 3) {
		t->has_ws = true;
		t->ws = o[2];
	} else if (kind == TCPOPT_SACK_PERM && olen == 2) {
		t->sack_perm = true;
	} else if (kind == TCPOPT_TS && olen == 10) {
		t->has_ts = true;
		t->ts_val = ld_be32(o + 2);
		t->ts_ecr = ld_be32(o + 6);
	} else if (kind == TCPOPT_SACK && olen >= 2 && (olen - 2) % 8 == 0) {
		for (size_t i = 2; i + 8 <= olen && t->nsack < DEC_MAX_SACK; i += 8, t->nsack++) {
			t->sack[t->nsack][0] = ld_be32(o + i);
			t->sack[t->nsack][1] = ld_be32(o + i + 4);
		}
	}
}

/*
 * Options in o[0..n) (RFC 9293 3.2): EOL ends the list, NOP is one byte,
 * every other kind has a length byte counting kind and length. A length < 2
 * or running past the header sets opt_bad and ends the walk; the header
 * itself stays valid, as a receiver would still process the segment.
 */
static void tcp_options(const uint8_t *o, size_t n, uint32_t off, struct dec_tcp *t)
{
	size_t i = 0;

	while (i < n && t->nopt < DEC_MAX_TCP_OPT) {
		uint8_t kind = o[i];
		uint8_t olen = 1;
		if (kind != TCPOPT_EOL && kind != TCPOPT_NOP) {
			if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
				t->opt_bad = true;
				return;
			}
			olen = o[i + 1];
			tcp_opt_value(o + i, kind, olen, t);
		}
		t->opt[t->nopt].kind = kind;
		t->opt[t->nopt].len = olen;
		t->opt[t->nopt].off = (uint16_t)(off + i);
		t->nopt++;
		if (kind == TCPOPT_EOL)
			return;
		i += olen;
	}
}

#define TCP_FIXED 20u

/* Fewer than TCP_FIXED bytes: the fields that are there, read as far as they go, and "truncated". */
static int tcp_short(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out)
{
	struct cursor c = cur_make(p, len);
	struct dec_tcp *t = &out->tcp;
	uint16_t offflags;

	if (rd_be16(&c, &t->sport) && rd_be16(&c, &t->dport) && rd_be32(&c, &t->seq) &&
	    rd_be32(&c, &t->ack) && rd_be16(&c, &offflags) && rd_be16(&c, &t->win))
		(void)(rd_be16(&c, &t->csum) && rd_be16(&c, &t->urg));
	return dec_fail(out, &out->tp, DEC_TRUNCATED, off, "TCP header");
}

/* Header at p[0..len) (RFC 9293 3.1). Invalid: data offset < 5. */
int dec_tcp(const uint8_t *p, size_t len, uint32_t off, bool options, struct dec_packet *out)
{
	struct dec_tcp *t = &out->tcp;
	uint16_t offflags;

	out->tp.proto = DEC_P_TCP;
	out->tp.off = off;
	/* one length check for the fixed header, then its fields at their offsets */
	if (len < TCP_FIXED)
		return tcp_short(p, len, off, out);
	t->sport = ld_be16(p);
	t->dport = ld_be16(p + 2);
	t->seq = ld_be32(p + 4);
	t->ack = ld_be32(p + 8);
	offflags = ld_be16(p + 12);
	t->win = ld_be16(p + 14);
	t->csum = ld_be16(p + 16);
	t->urg = ld_be16(p + 18);
	t->doff = (uint8_t)((offflags >> 12) * 4u);
	t->flags = offflags & 0x1ff;
	if (t->doff < 20)
		return dec_fail(out, &out->tp, DEC_INVALID, off + 12, "TCP data offset < 5");
	if (len < t->doff)
		return dec_fail(out, &out->tp, DEC_TRUNCATED, off + 20, "TCP options");
	if (options)
		tcp_options(p + 20, t->doff - 20u, off + 20, t);
	out->tp.hdr_len = t->doff;
	out->tp.status = DEC_OK;
	return DEC_OK;
}
