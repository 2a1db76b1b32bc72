/* qcow2.h - the qcow2 (version 3) encodings, exposed for the unit tests */
#ifndef MKHURDIMG_QCOW2_H
#define MKHURDIMG_QCOW2_H

#include <stddef.h>
#include <stdint.h>

#define QCOW2_COPIED (1ULL << 63) /* refcount exactly 1 */
#define QCOW2_COMPRESSED (1ULL << 62)
#define QCOW2_HEADER_LENGTH 104

/* "64KiB" -> 16; -1 unless a power of two from 512 bytes to 2 MiB. */
int qcow2_cluster_bits(const char *size);

struct qcow2_header {
	unsigned cluster_bits;
	uint64_t size;
	uint32_t l1_size;
	uint64_t l1_offset;
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
};

/* The header into BUF (at least 112 bytes): version 3, 16-bit refcounts,
 * no backing file, no features, then an end-of-extensions marker. */
void qcow2_encode_header(const struct qcow2_header *h, uint8_t *buf);

/* An L1 or L2 entry pointing at a cluster with refcount 1. */
uint64_t qcow2_entry(uint64_t host_offset);

/* An L2 descriptor for LEN compressed bytes at byte OFF of the file: bit
 * 62, the offset in the low 62 - (cluster_bits - 8) bits, above it the
 * number of 512-byte sectors the stream reaches into after the first. */
uint64_t qcow2_compressed_entry(uint64_t off, size_t len,
				unsigned cluster_bits);

/* Entries needed: L1 for a disk of SIZE bytes. */
uint32_t qcow2_l1_size(uint64_t size, unsigned cluster_bits);

/* Refcount blocks and table clusters for N data/metadata clusters, the
 * refcount structures themselves included. */
void qcow2_refcount_layout(uint64_t n, unsigned cluster_bits, uint64_t *blocks,
			   uint64_t *table_clusters);

#endif
