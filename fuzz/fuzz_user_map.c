/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_user_map.c - the user map's parsers: the text (at_user_map_parse),
 * MAP.cdb's record checks and meta record, a MAP.cdb of hostile records
 * read through the lookups the module makes, and a hostile MAP.cdb file
 * as a whole (tinycdb's reader, then the meta check).
 *
 * The first byte picks: 0 text, 1 records, 2 a whole file; the rest is
 * the input.  Records: repeated [key length: 1 byte][value length: 1
 * byte][key][value]; every key is also looked up.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "fuzz_common.h"

static char dir[64];
static char map_path[96], cdb_path[96];

static void
paths(void)
{
	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "/tmp/at-fuzz-map-%ld", (long)getpid());
	if (mkdir(dir, 0755) != 0)
		abort();
	snprintf(map_path, sizeof(map_path), "%s/map", dir);
	snprintf(cdb_path, sizeof(cdb_path), "%s/map.cdb", dir);
}

static void
put(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
}

/* The text parser: what it accepts is what it finds, both ways. */
static void
fuzz_text(const char *data, size_t size)
{
	struct at_user_map *m = NULL;
	const char *id, *user;
	char *buf = malloc(size + 1), got[AT_MAX_SUB + 1];
	unsigned int bad, line, first;
	size_t k;

	if (buf == NULL || at_user_map_new(&m) != AT_OK)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	(void)at_user_map_parse(m, buf, size, "fuzz", NULL, true, &bad);
	for (k = 0; at_user_map_entry(m, k, &id, &user, &line, &first); k++) {
		if (at_user_map_find(m, id, got, sizeof(got)) != AT_OK ||
		    strcmp(got, user) != 0 ||
		    !at_user_map_field_ok(id, strlen(id), true) ||
		    !at_user_map_field_ok(user, strlen(user), false) ||
		    line == 0 || first >= line)
			abort();
	}
	at_user_map_unref(m);
	free(buf);
}

/* Hostile records behind a valid meta record: every lookup either
 * refuses or returns what the text parser would accept (that the two
 * directions agree is at_verify.c's check, for the id it uses). */
static void
fuzz_records(const unsigned char *data, size_t size)
{
	struct at_map_meta meta;
	unsigned char rec[AT_MAP_META_LEN];
	struct cdb_make mk;
	struct at_verifier *v = NULL;
	struct at_config cfg;
	struct stat st;
	char got[AT_MAX_SUB + 1], key[256];
	const char *id;
	size_t pos, i, klen, vlen, count = 0;
	int fd;

	put(map_path, "a b\n", 4);
	if (stat(map_path, &st) != 0)
		abort();
	memset(&meta, 0, sizeof(meta));
	at_file_ident_of(&meta.text, &st);
	meta.compiled_sec = (int64_t)st.st_ctim.tv_sec + 100;
	at_map_meta_encode(&meta, rec);
	fd = open(cdb_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || cdb_make_start(&mk, fd) != 0 ||
	    cdb_make_add(&mk, "m", 1, rec, sizeof(rec)) != 0)
		abort();
	for (i = 0; i + 2 <= size;) {
		klen = data[i];
		vlen = data[i + 1];
		i += 2;
		if (klen + vlen > size - i)
			break;
		if (cdb_make_add(&mk, data + i, (unsigned int)klen,
				 data + i + klen, (unsigned int)vlen) != 0)
			abort();
		i += klen + vlen;
	}
	if (cdb_make_finish(&mk) != 0)
		abort();
	close(fd);
	at_config_init(&cfg);
	if (at_verifier_new(&v, &cfg, NULL) != AT_OK)
		abort();
	if (at_verifier_load_user_map(v, map_path, geteuid()) != AT_OK)
		abort(); /* a valid meta record: the compiled form */
	for (i = 0; i + 2 <= size;) {
		klen = data[i];
		vlen = data[i + 1];
		i += 2;
		if (klen + vlen > size - i)
			break;
		if (klen > 1) {
			memcpy(key, data + i + 1, klen - 1);
			key[klen - 1] = '\0';
			if (at_verifier_map_find(v, key, got, sizeof(got)) ==
				    AT_OK &&
			    !at_user_map_field_ok(got, strlen(got), false))
				abort();
			pos = 0;
			while (at_verifier_map_next_id(v, key, &pos, &id) ==
				       AT_OK &&
			       id != NULL && count++ < 100000)
				if (!at_user_map_field_ok(id, strlen(id), true))
					abort();
		}
		i += klen + vlen;
	}
	at_verifier_free(v);
	at_config_clear(&cfg);
}

/* A whole hostile MAP.cdb: refused, or (a valid meta record that names
 * another text) stale, never a crash. */
static void
fuzz_file(const unsigned char *data, size_t size)
{
	struct at_user_map *m = NULL;
	enum at_map_form form;

	put(map_path, "a b\n", 4);
	put(cdb_path, data, size);
	if (at_user_map_load(map_path, geteuid(), NULL, AT_MAP_LOAD_NOCACHE,
			     &m, &form) == AT_OK) {
		char got[AT_MAX_SUB + 1];

		(void)at_user_map_find(m, "a", got, sizeof(got));
		at_user_map_unref(m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct at_map_meta meta;
	size_t count;

	if (size == 0)
		return 0;
	paths();
	/* The record checks alone, on every input. */
	(void)at_user_map_cdb_user((const char *)data + 1, size - 1);
	(void)at_user_map_cdb_ids((const char *)data + 1, size - 1, &count);
	(void)at_map_meta_decode(data + 1, size - 1, &meta);
	switch (data[0] % 3) {
	case 0:
		fuzz_text((const char *)data + 1, size - 1);
		break;
	case 1:
		fuzz_records(data + 1, size - 1);
		break;
	default:
		fuzz_file(data + 1, size - 1);
		break;
	}
	return 0;
}
