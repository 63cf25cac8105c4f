/* A protocol-buffers writer small enough to read: varints, tags, length-
 * delimited fields and packed repeated varints into a growing buffer, and a
 * gzip of the result (pprof wants profile.proto gzipped on disk).  Nested
 * messages are built in a second buffer and written with pbuf_message, so
 * no length has to be known before its message is done. */
#ifndef KPROF_PBUF_H
#define KPROF_PBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pbuf {
	uint8_t *p;
	size_t n, cap;
};

enum pbuf_wire { PBUF_VARINT = 0, PBUF_LEN = 2 };

/* Bytes a varint of v takes: 1 to 10. */
size_t pbuf_varint_len(uint64_t v);
void pbuf_varint(struct pbuf *b, uint64_t v);
void pbuf_tag(struct pbuf *b, uint32_t field, enum pbuf_wire wire);
/* A varint field.  int64 fields take the two's complement (a negative value
 * is 10 bytes, as protobuf encodes int64). */
void pbuf_uint(struct pbuf *b, uint32_t field, uint64_t v);
void pbuf_bytes(struct pbuf *b, uint32_t field, const void *data, size_t len);
void pbuf_string(struct pbuf *b, uint32_t field, const char *s);
void pbuf_message(struct pbuf *b, uint32_t field, const struct pbuf *msg);
/* A packed repeated varint field (nothing at all when n is 0). */
void pbuf_packed(struct pbuf *b, uint32_t field, const uint64_t *v, size_t n);
void pbuf_reset(struct pbuf *b);
void pbuf_fini(struct pbuf *b);

/* data as one gzip member (RFC 1952) on f.  0, or -1 with errno (EIO when
 * zlib failed). */
int pbuf_gzip(FILE *f, const void *data, size_t len);

#endif
