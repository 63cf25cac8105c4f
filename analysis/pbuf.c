/* Protocol-buffers encoding (see pbuf.h): base-128 varints, least
 * significant group first, the high bit saying "more"; a field is its tag
 * (field number << 3 | wire type) then its value. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pbuf.h"
#include "../common/xalloc.h"

static void pbuf_reserve(struct pbuf *b, size_t more)
{
	if (b->n + more <= b->cap)
		return;
	while (b->n + more > b->cap)
		b->cap = b->cap ? 2 * b->cap : 256;
	b->p = xrealloc(b->p, b->cap);
}

size_t pbuf_varint_len(uint64_t v)
{
	size_t len = 1;

	while (v >= 0x80) {
		v >>= 7;
		len++;
	}
	return len;
}

void pbuf_varint(struct pbuf *b, uint64_t v)
{
	pbuf_reserve(b, 10);
	while (v >= 0x80) {
		b->p[b->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->n++] = (uint8_t)v;
}

void pbuf_tag(struct pbuf *b, uint32_t field, enum pbuf_wire wire)
{
	pbuf_varint(b, (uint64_t)field << 3 | wire);
}

void pbuf_uint(struct pbuf *b, uint32_t field, uint64_t v)
{
	pbuf_tag(b, field, PBUF_VARINT);
	pbuf_varint(b, v);
}

void pbuf_bytes(struct pbuf *b, uint32_t field, const void *data, size_t len)
{
	pbuf_tag(b, field, PBUF_LEN);
	pbuf_varint(b, len);
	pbuf_reserve(b, len);
	if (len)
		memcpy(b->p + b->n, data, len);
	b->n += len;
}

void pbuf_string(struct pbuf *b, uint32_t field, const char *s)
{
	pbuf_bytes(b, field, s, strlen(s));
}

void pbuf_message(struct pbuf *b, uint32_t field, const struct pbuf *msg)
{
	pbuf_bytes(b, field, msg->p, msg->n);
}

void pbuf_packed(struct pbuf *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		len += pbuf_varint_len(v[i]);
	pbuf_tag(b, field, PBUF_LEN);
	pbuf_varint(b, len);
	for (size_t i = 0; i < n; i++)
		pbuf_varint(b, v[i]);
}

void pbuf_reset(struct pbuf *b)
{
	b->n = 0;
}

void pbuf_fini(struct pbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

int pbuf_gzip(FILE *f, const void *data, size_t len)
{
	unsigned char out[1 << 16];
	z_stream z = { 0 };
	int zrc, rc = 0;

	/* 16 + MAX_WBITS: a gzip header and trailer, not a zlib one. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		errno = ENOMEM;
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)data;
	/* avail_in is 32 bits: feed a larger buffer in pieces. */
	do {
		size_t chunk = len > (1u << 30) ? (1u << 30) : len;
		int flush = chunk == len ? Z_FINISH : Z_NO_FLUSH;

		z.avail_in = (uInt)chunk;
		len -= chunk;
		do {
			z.next_out = out;
			z.avail_out = sizeof out;
			zrc = deflate(&z, flush);
			if (zrc == Z_STREAM_ERROR) {
				errno = EIO;
				rc = -1;
				break;
			}
			size_t got = sizeof out - z.avail_out;
			if (got && fwrite(out, 1, got, f) != got) {
				rc = -1;
				break;
			}
		} while (z.avail_out == 0);
	} while (rc == 0 && len > 0);
	if (rc == 0 && zrc != Z_STREAM_END) {
		errno = EIO;
		rc = -1;
	}
	deflateEnd(&z);
	return rc;
}
