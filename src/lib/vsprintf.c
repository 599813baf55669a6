// SPDX-License-Identifier: MIT
/*
 * vsprintf.c - vsnprintf() and snprintf() for the kernel and the host tests.
 * Never writes past @size; always NUL-terminates when @size > 0.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kallsyms.h"
#include "printk.h"

struct out {
	char *buf;
	size_t size; /* bytes available in buf, including the NUL */
	size_t len;  /* characters produced so far (may exceed size) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;  /* '-': pad on the right */
	bool zero;  /* '0': pad numbers with zeros */
	bool plus;  /* '+': sign on positive numbers */
	bool space; /* ' ': space before positive numbers */
	bool alt;   /* '#': 0x / 0 prefix */
	int width;  /* minimum field width, 0 for none */
	int prec;   /* precision, -1 for none */
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - n);
}

static void put_num(struct out *o, uint64_t v, bool neg, unsigned int base,
		    bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, prefix_len, zeros, total;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	else if (sp->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8)
		prefix = "0";
	prefix_len = 0;
	while (prefix[prefix_len])
		prefix_len++;

	zeros = sp->prec > n ? sp->prec - n : 0;
	total = prefix_len + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

/*
 * put_symbol() - %pS, %ps and %pB, as Linux's symbol_string(): the text
 * symbol holding @addr as "name+0xoff/0xsize" (%pS), "name" alone (%ps), or,
 * for a return address, "name+0xoff/0xsize" of @addr - 1 with the offset of
 * @addr (%pB: after a call to a noreturn function at the very end of a
 * function, the return address is already the next function's start).
 * Outside the kernel's text: "0x" and the address in hex, as Linux prints it.
 */
static void put_symbol(struct out *o, unsigned long addr, char kind,
		       const struct spec *sp)
{
	unsigned long lookup = kind == 'B' && addr ? addr - 1 : addr;
	unsigned long offset, size;
	const char *name;
	char buf[160];

	if (!kallsyms_lookup(lookup, &name, &offset, &size))
		snprintf(buf, sizeof(buf), "0x%lx", addr);
	else if (kind == 's')
		snprintf(buf, sizeof(buf), "%s", name);
	else
		snprintf(buf, sizeof(buf), "%s+%#lx/%#lx", name,
			 offset + (addr - lookup), size);
	put_str(o, buf, sp);
}

static int parse_int(const char **fmt, va_list *ap)
{
	int v = 0;

	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	while (**fmt >= '0' && **fmt <= '9')
		v = v * 10 + (*(*fmt)++ - '0');
	return v;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		struct spec sp = { .prec = -1 };
		int lng =
			0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		sp.width = parse_int(&fmt, &ap);
		if (sp.width < 0) {
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = parse_int(&fmt, &ap);
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = lng >= 1 ? 2 : 1;
			else if (*fmt == 'h')
				lng = lng <= -1 ? -2 : -1;
			else if (*fmt == 'z')
				lng = 3;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng == 2)
				s = va_arg(ap, long long);
			else if (lng == 1 || lng == 3)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			put_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0,
				10, false, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng == 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1 || lng == 3)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng == -2)
				u = (unsigned char)u;
			put_num(&o, u, false,
				*fmt == 'u'   ? 10
				: *fmt == 'o' ? 8
					      : 16,
				*fmt == 'X', &sp);
			break;
		case 'p':
			if (fmt[1] == 'S' || fmt[1] == 's' || fmt[1] == 'B') {
				fmt++;
				put_symbol(&o, (uintptr_t)va_arg(ap, void *),
					   *fmt, &sp);
				break;
			}
			sp.alt = true;
			sp.zero = true;
			if (!sp.width)
				sp.width = 18;
			put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16,
				false, &sp);
			break;
		case 'c':
			if (!sp.left)
				pad(&o, ' ', sp.width - 1);
			put(&o, (char)va_arg(ap, int));
			if (sp.left)
				pad(&o, ' ', sp.width - 1);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), &sp);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: print nothing more */
			break;
		default: /* unknown conversion: show it as written */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
