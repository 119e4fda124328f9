/* SPDX-License-Identifier: BSD-2-Clause */
/* Printing BPF programs the way tcpdump -d, -dd and -ddd do, and loading tcpdump -ddd text. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/util.h"

struct op_name {
	uint16_t code;
	const char *op;
	const char *fmt; /* operand printf format over k; NULL = none, "x" literal */
};

/* Mnemonics and operand formats as in libpcap's bpf_image(). */
static const struct op_name op_names[] = {
	{ BPF_RET | BPF_K, "ret", "#%u" },
	{ BPF_RET | BPF_A, "ret", "" },
	{ BPF_LD | BPF_W | BPF_ABS, "ld", "[%u]" },
	{ BPF_LD | BPF_H | BPF_ABS, "ldh", "[%u]" },
	{ BPF_LD | BPF_B | BPF_ABS, "ldb", "[%u]" },
	{ BPF_LD | BPF_W | BPF_LEN, "ld", "#pktlen" },
	{ BPF_LD | BPF_W | BPF_IND, "ld", "[x + %u]" },
	{ BPF_LD | BPF_H | BPF_IND, "ldh", "[x + %u]" },
	{ BPF_LD | BPF_B | BPF_IND, "ldb", "[x + %u]" },
	{ BPF_LD | BPF_IMM, "ld", "#0x%x" },
	{ BPF_LDX | BPF_W | BPF_IMM, "ldx", "#0x%x" },
	{ BPF_LDX | BPF_B | BPF_MSH, "ldxb", "4*([%u]&0xf)" },
	{ BPF_LD | BPF_MEM, "ld", "M[%u]" },
	{ BPF_LDX | BPF_W | BPF_MEM, "ldx", "M[%u]" },
	{ BPF_LDX | BPF_W | BPF_LEN, "ldx", "#pktlen" },
	{ BPF_ST, "st", "M[%u]" },
	{ BPF_STX, "stx", "M[%u]" },
	{ BPF_JMP | BPF_JGT | BPF_K, "jgt", "#0x%x" },
	{ BPF_JMP | BPF_JGE | BPF_K, "jge", "#0x%x" },
	{ BPF_JMP | BPF_JEQ | BPF_K, "jeq", "#0x%x" },
	{ BPF_JMP | BPF_JSET | BPF_K, "jset", "#0x%x" },
	{ BPF_JMP | BPF_JGT | BPF_X, "jgt", "x" },
	{ BPF_JMP | BPF_JGE | BPF_X, "jge", "x" },
	{ BPF_JMP | BPF_JEQ | BPF_X, "jeq", "x" },
	{ BPF_JMP | BPF_JSET | BPF_X, "jset", "x" },
	{ BPF_ALU | BPF_ADD | BPF_X, "add", "x" },
	{ BPF_ALU | BPF_SUB | BPF_X, "sub", "x" },
	{ BPF_ALU | BPF_MUL | BPF_X, "mul", "x" },
	{ BPF_ALU | BPF_DIV | BPF_X, "div", "x" },
	{ BPF_ALU | BPF_MOD | BPF_X, "mod", "x" },
	{ BPF_ALU | BPF_AND | BPF_X, "and", "x" },
	{ BPF_ALU | BPF_OR | BPF_X, "or", "x" },
	{ BPF_ALU | BPF_XOR | BPF_X, "xor", "x" },
	{ BPF_ALU | BPF_LSH | BPF_X, "lsh", "x" },
	{ BPF_ALU | BPF_RSH | BPF_X, "rsh", "x" },
	{ BPF_ALU | BPF_ADD | BPF_K, "add", "#%u" },
	{ BPF_ALU | BPF_SUB | BPF_K, "sub", "#%u" },
	{ BPF_ALU | BPF_MUL | BPF_K, "mul", "#%u" },
	{ BPF_ALU | BPF_DIV | BPF_K, "div", "#%u" },
	{ BPF_ALU | BPF_MOD | BPF_K, "mod", "#%u" },
	{ BPF_ALU | BPF_AND | BPF_K, "and", "#0x%x" },
	{ BPF_ALU | BPF_OR | BPF_K, "or", "#0x%x" },
	{ BPF_ALU | BPF_XOR | BPF_K, "xor", "#0x%x" },
	{ BPF_ALU | BPF_LSH | BPF_K, "lsh", "#%u" },
	{ BPF_ALU | BPF_RSH | BPF_K, "rsh", "#%u" },
	{ BPF_ALU | BPF_NEG, "neg", "" },
	{ BPF_MISC | BPF_TAX, "tax", "" },
	{ BPF_MISC | BPF_TXA, "txa", "" },
};

static void dump_line(const struct sock_filter *in, uint32_t n, FILE *f)
{
	char operand[64];
	const struct op_name *o = NULL;

	if (in->code == (BPF_JMP | BPF_JA)) {
		snprintf(operand, sizeof operand, "%u", n + 1 + in->k);
		fprintf(f, "(%03u) %-8s %s\n", n, "ja", operand);
		return;
	}
	for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (op_names[i].code == in->code)
			o = &op_names[i];
	if (!o) {
		fprintf(f, "(%03u) %-8s 0x%x\n", n, "unimp", in->code);
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(operand, sizeof operand, o->fmt, in->k);
#pragma GCC diagnostic pop
	if (BPF_CLASS(in->code) == BPF_JMP)
		fprintf(f, "(%03u) %-8s %-16s jt %u\tjf %u\n", n, o->op, operand, n + 1 + in->jt, n + 1 + in->jf);
	else
		fprintf(f, "(%03u) %-8s %s\n", n, o->op, operand);
}

void filter_dump(const struct filter_prog *prog, FILE *f, int level)
{
	if (level >= 3)
		fprintf(f, "%u\n", prog->len);
	for (uint32_t i = 0; i < prog->len; i++) {
		const struct sock_filter *in = &prog->insns[i];

		if (level >= 3)
			fprintf(f, "%u %u %u %u\n", in->code, in->jt, in->jf, in->k);
		else if (level == 2)
			fprintf(f, "{ 0x%x, %u, %u, 0x%08x },\n", in->code, in->jt, in->jf, in->k);
		else
			dump_line(in, i, f);
	}
}

void filter_free(struct filter_prog *prog)
{
	if (!prog)
		return;
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

struct numreader {
	const char *p;
	unsigned line;
};

/* Next unsigned decimal; separators are blanks, newlines and commas. 1 = got one, 0 = end, -1 = junk. */
static int next_num(struct numreader *r, uint64_t *v)
{
	const char *s = r->p;
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == ',') {
		if (*s == '\n')
			r->line++;
		s++;
	}
	r->p = s;
	if (*s == '\0')
		return 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || (*end && !strchr(" \t\r\n,", *end)))
		return -1;
	r->p = end;
	return 1;
}

int filter_load_ddd(const char *text, const char *what, struct filter_prog *out,
		    char *err, size_t errlen)
{
	struct numreader r = { text, 1 };
	uint64_t n, v[4];
	char why[128];

	memset(out, 0, sizeof *out);
	if (next_num(&r, &n) != 1)
		return errf(err, errlen, "%s: line %u: expected the instruction count (tcpdump -ddd output)", what, r.line);
	if (n == 0 || n > FILTER_MAX_INSNS)
		return errf(err, errlen, "%s: line %u: instruction count %llu not in 1..%u", what, r.line,
			    (unsigned long long)n, FILTER_MAX_INSNS);
	out->insns = calloc((size_t)n, sizeof *out->insns);
	if (!out->insns)
		return errf(err, errlen, "%s: out of memory", what);
	out->len = (uint32_t)n;
	for (uint64_t i = 0; i < n; i++) {
		for (int j = 0; j < 4; j++) {
			int rc = next_num(&r, &v[j]);

			if (rc != 1) {
				errf(err, errlen, "%s: line %u: %s in instruction %llu (want \"code jt jf k\")", what,
				     r.line, rc == 0 ? "unexpected end" : "not a decimal number", (unsigned long long)i);
				goto bad;
			}
		}
		if (v[0] > 0xffff || v[1] > 255 || v[2] > 255 || v[3] > UINT32_MAX) {
			errf(err, errlen, "%s: line %u: field out of range in instruction %llu", what, r.line,
			     (unsigned long long)i);
			goto bad;
		}
		out->insns[i].code = (uint16_t)v[0];
		out->insns[i].jt = (uint8_t)v[1];
		out->insns[i].jf = (uint8_t)v[2];
		out->insns[i].k = (uint32_t)v[3];
	}
	if (next_num(&r, &v[0]) != 0) {
		errf(err, errlen, "%s: line %u: text after the %llu instructions", what, r.line, (unsigned long long)n);
		goto bad;
	}
	if (!filter_validate(out, why, sizeof why)) {
		errf(err, errlen, "%s: invalid program: %s", what, why);
		goto bad;
	}
	return 0;
bad:
	filter_free(out);
	return -1;
}
