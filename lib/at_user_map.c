/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_user_map.c - the user map ("EXTERNAL_ID LOCAL_USER" lines) at fleet
 * scale: one immutable, reference-counted object per loaded map, with a
 * seeded open-addressing hash index each way (external id -> entry, local
 * user -> its first entry, the user's entries chained in file order), so
 * that loading is O(n), a duplicate id is found through the index, and a
 * lookup is O(1).
 *
 * Two more ways to avoid parsing a big map on every authentication:
 *   - a compiled index beside the map, MAP.cdb (tinycdb), written by
 *     `agentictrust map compile`: used only when it was built from exactly
 *     the current text (the text's identity, or else its SHA-256, as
 *     recorded in the index); a login then reads a handful of records;
 *   - a process-wide cache of parsed maps for long-lived processes, keyed
 *     by path and revalidated the same way on every load.
 * Identity alone is trusted only when the text's ctime is at least
 * AT_MAP_RACY_SECONDS older than the moment it was read (git's "racy
 * git" rule): a same-size rewrite within one coarse timestamp tick of
 * the read then cannot keep the old identity.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "at.h"
#include "at_internal.h"

/* One entry; strings are offsets into the map's pool (at most
 * AT_MAP_MAX_FILE bytes, so 32 bits). */
struct map_ent {
	uint32_t id;		/* NUL-terminated external id */
	uint32_t user;		/* NUL-terminated local user */
	uint32_t next;		/* the user's next entry + 1; 0: none */
	uint32_t tail;		/* the user's first entry: its last one */
	uint32_t line;		/* line in the text; 0: added by the API */
};

struct at_user_map {
	atomic_uint refs;
	/* Parsed form (cdb_fd < 0). */
	char *pool;		/* owned: the strings */
	size_t poollen, poolcap;
	struct map_ent *ent;	/* owned: n entries, file order */
	size_t n, cap;
	uint32_t *byid;		/* owned: entry + 1 per slot; 0: empty */
	uint32_t *byuser;	/* owned: a user's first entry + 1 */
	size_t mask;		/* slots - 1, slots a power of two */
	uint64_t seed[2];	/* per map, from getrandom() */
	/* Compiled form: MAP.cdb, read with cdb_seek() (no mmap: a file
	 * truncated under us is a short read, not SIGBUS). */
	int cdb_fd;		/* owned: close() */
	uint64_t cdb_entries;
};

/* Static text of a number macro, for messages. */
#define AT_STR(x) #x
#define AT_XSTR(x) AT_STR(x)

/* ------------------------------------------------------------------ */
/* The hash: seeded, 64-bit, not cryptographic.  The keys come from a
 * root-owned file; the seed, fresh per map, keeps a list of ids that
 * collides in one process from colliding in another. */

static uint64_t
rotl64(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
fmix64(uint64_t h)
{
	/* MurmurHash3's finaliser. */
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t
map_hash(const struct at_user_map *m, const char *s, size_t len)
{
	uint64_t h = m->seed[0] ^
		     ((uint64_t)len * UINT64_C(0x9e3779b97f4a7c15));
	uint64_t k;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&k, s + i, 8);
		k *= UINT64_C(0x87c37b91114253d5);
		k = rotl64(k, 31);
		k *= UINT64_C(0x4cf5ad432745937f);
		h ^= k;
		h = rotl64(h, 27) * 5 + UINT64_C(0x52dce729);
		h ^= m->seed[1];
	}
	k = 0;
	memcpy(&k, s + i, len - i);
	k *= UINT64_C(0x87c37b91114253d5);
	k = rotl64(k, 31);
	h ^= k * UINT64_C(0x4cf5ad432745937f);
	return fmix64(h ^ m->seed[1]);
}

uint64_t
at_user_map_hash(const struct at_user_map *m, const char *s, size_t len)
{
	return map_hash(m, s, len);
}

/* ------------------------------------------------------------------ */
/* The parsed form */

static enum at_err
map_new(struct at_user_map **out, size_t expect)
{
	struct at_user_map *m;
	size_t slots = 16;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return AT_ERR_NOMEM;
	atomic_init(&m->refs, 1);
	m->cdb_fd = -1;
	if (getrandom(m->seed, sizeof(m->seed), 0) != sizeof(m->seed)) {
		free(m);
		return AT_ERR_CRYPTO;
	}
	/* Load factor at most 1/2; never sized past the entry limit. */
	if (expect > AT_MAP_MAX_ENTRIES)
		expect = AT_MAP_MAX_ENTRIES;
	while (slots / 2 < expect && slots < ((size_t)1 << 30))
		slots *= 2;
	m->byid = calloc(slots, sizeof(*m->byid));
	m->byuser = calloc(slots, sizeof(*m->byuser));
	if (m->byid == NULL || m->byuser == NULL) {
		free(m->byid);
		free(m->byuser);
		free(m);
		return AT_ERR_NOMEM;
	}
	m->mask = slots - 1;
	*out = m;
	return AT_OK;
}

static const char *
ent_id(const struct at_user_map *m, const struct map_ent *e)
{
	return m->pool + e->id;
}

static const char *
ent_user(const struct at_user_map *m, const struct map_ent *e)
{
	return m->pool + e->user;
}

/*
 * The slot of key in one of the two tables (byid by external id, byuser
 * by local user): its entry's, or the empty one it would take.
 */
static size_t
slot_of(const struct at_user_map *m, const uint32_t *slots, bool by_user,
	const char *key, size_t len)
{
	size_t i = (size_t)map_hash(m, key, len) & m->mask;
	const struct map_ent *e;

	while (slots[i] != 0) {
		e = &m->ent[slots[i] - 1];
		if (strcmp(by_user ? ent_user(m, e) : ent_id(m, e), key) == 0)
			break;
		i = (i + 1) & m->mask;
	}
	return i;
}

static size_t
slot_of_id(const struct at_user_map *m, const char *id, size_t len)
{
	return slot_of(m, m->byid, false, id, len);
}

static size_t
slot_of_user(const struct at_user_map *m, const char *user, size_t len)
{
	return slot_of(m, m->byuser, true, user, len);
}

/* Double the slots and re-insert every entry. */
static enum at_err
map_grow(struct at_user_map *m)
{
	size_t slots = (m->mask + 1) * 2, k;
	uint32_t *byid, *byuser;
	const char *s;

	if (slots > ((size_t)1 << 30))
		return AT_ERR_NOMEM;
	byid = calloc(slots, sizeof(*byid));
	byuser = calloc(slots, sizeof(*byuser));
	if (byid == NULL || byuser == NULL) {
		free(byid);
		free(byuser);
		return AT_ERR_NOMEM;
	}
	free(m->byid);
	free(m->byuser);
	m->byid = byid;
	m->byuser = byuser;
	m->mask = slots - 1;
	for (k = 0; k < m->n; k++) {
		s = ent_id(m, &m->ent[k]);
		m->byid[slot_of_id(m, s, strlen(s))] = (uint32_t)k + 1;
	}
	for (k = 0; k < m->n; k++) {
		s = ent_user(m, &m->ent[k]);
		size_t i = slot_of_user(m, s, strlen(s));

		if (m->byuser[i] == 0)
			m->byuser[i] = (uint32_t)k + 1;
	}
	return AT_OK;
}

static bool
grow_to(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap > 0 ? *cap : 64;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return false;
		n *= 2;
	}
	if ((q = reallocarray(*p, n, size)) == NULL)
		return false;
	*p = q;
	*cap = n;
	return true;
}

bool
at_user_map_field_ok(const char *s, size_t len, bool is_id)
{
	return len > 0 && len <= AT_MAX_SUB && at_str_printable(s, len) &&
	       memchr(s, ' ', len) == NULL && !(is_id && s[0] == '#');
}

enum at_err
at_user_map_add(struct at_user_map *m, const char *id, size_t idlen,
		const char *user, size_t userlen, unsigned int line,
		unsigned int *first_line, bool *dup)
{
	struct map_ent *e;
	size_t si, su, need;

	*first_line = 0;
	*dup = false;
	if (m->cdb_fd >= 0 || atomic_load(&m->refs) != 1)
		return AT_ERR_INTERNAL; /* shared: immutable */
	/* The API's rule (at_verifier_add_mapping()); the text's split
	 * already keeps blanks out, and '#' starts a comment there. */
	if (idlen == 0 || idlen > AT_MAX_SUB || userlen == 0 ||
	    userlen > AT_MAX_SUB || !at_str_printable(id, idlen) ||
	    !at_str_printable(user, userlen))
		return AT_ERR_FILE;
	if (m->n >= AT_MAP_MAX_ENTRIES)
		return AT_ERR_TOO_LONG;
	if ((m->n + 1) > (m->mask + 1) / 2 && map_grow(m) != AT_OK)
		return AT_ERR_NOMEM;
	need = m->poollen + idlen + userlen + 2;
	if (need > AT_MAP_MAX_FILE + 2 * (size_t)AT_MAX_LINE)
		return AT_ERR_TOO_LONG;
	if (!grow_to((void **)&m->pool, &m->poolcap, need, 1) ||
	    !grow_to((void **)&m->ent, &m->cap, m->n + 1, sizeof(*m->ent)))
		return AT_ERR_NOMEM;
	/* Look the id up with the pool's bytes: copy first, commit after. */
	memcpy(m->pool + m->poollen, id, idlen);
	m->pool[m->poollen + idlen] = '\0';
	si = slot_of_id(m, m->pool + m->poollen, idlen);
	if (m->byid[si] != 0) {
		*first_line = m->ent[m->byid[si] - 1].line;
		*dup = true;
		return AT_ERR_FILE;
	}
	memcpy(m->pool + m->poollen + idlen + 1, user, userlen);
	m->pool[m->poollen + idlen + 1 + userlen] = '\0';
	e = &m->ent[m->n];
	e->id = (uint32_t)m->poollen;
	e->user = (uint32_t)(m->poollen + idlen + 1);
	e->next = 0;
	e->tail = (uint32_t)m->n;
	e->line = line;
	m->poollen = need;
	m->byid[si] = (uint32_t)m->n + 1;
	su = slot_of_user(m, ent_user(m, e), userlen);
	if (m->byuser[su] == 0) {
		m->byuser[su] = (uint32_t)m->n + 1;
	} else {
		struct map_ent *head = &m->ent[m->byuser[su] - 1];

		m->ent[head->tail].next = (uint32_t)m->n + 1;
		head->tail = (uint32_t)m->n;
		*first_line = head->line;
	}
	m->n++;
	return AT_OK;
}

bool
at_user_map_entry(const struct at_user_map *m, size_t k, const char **id,
		  const char **user, unsigned int *line,
		  unsigned int *user_first_line)
{
	const struct map_ent *e, *head;

	*id = *user = NULL;
	*line = *user_first_line = 0;
	if (m->cdb_fd >= 0 || k >= m->n)
		return false;
	e = &m->ent[k];
	*id = ent_id(m, e);
	*user = ent_user(m, e);
	*line = e->line;
	head = &m->ent[m->byuser[slot_of_user(m, *user, strlen(*user))] - 1];
	if (head != e)
		*user_first_line = head->line;
	return true;
}

enum at_err
at_user_map_new(struct at_user_map **out)
{
	return map_new(out, 0);
}

struct at_user_map *
at_user_map_ref(struct at_user_map *m)
{
	if (m != NULL)
		atomic_fetch_add(&m->refs, 1);
	return m;
}

void
at_user_map_unref(struct at_user_map *m)
{
	if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	if (m->cdb_fd >= 0)
		close(m->cdb_fd);
	free(m->pool);
	free(m->ent);
	free(m->byid);
	free(m->byuser);
	free(m);
}

bool
at_user_map_compiled(const struct at_user_map *m)
{
	return m->cdb_fd >= 0;
}

size_t
at_user_map_count(const struct at_user_map *m)
{
	return m->cdb_fd >= 0 ? (size_t)m->cdb_entries : m->n;
}

/* Split one text line; *idlen 0 for a blank or comment line.  NULL, or
 * why the line is no entry. */
static const char *
split_line(const char *line, size_t len, const char **id, size_t *idlen,
	   const char **user, size_t *userlen)
{
	const char *p = line;

	*idlen = *userlen = 0;
	at_trim(&p, &len);
	if (len == 0 || p[0] == '#')
		return NULL;
	*id = p;
	for (*idlen = 0; *idlen < len && p[*idlen] != ' ' && p[*idlen] != '\t';
	     (*idlen)++)
		;
	*user = p + *idlen;
	*userlen = len - *idlen;
	at_trim(user, userlen);
	if (*userlen == 0 || memchr(*user, ' ', *userlen) != NULL ||
	    memchr(*user, '\t', *userlen) != NULL)
		return "expected EXTERNAL_ID LOCAL_USER";
	return NULL;
}

enum at_err
at_user_map_parse(struct at_user_map *m, const char *buf, size_t len,
		  const char *path, const struct at_log *log, bool keep_going,
		  unsigned int *bad)
{
	enum at_err r = AT_OK, one;
	const char *line, *id = NULL, *user = NULL, *why;
	size_t pos = 0, linelen, idlen, userlen;
	unsigned int lineno = 0, first;
	bool dup;
	int more;

	*bad = 0;
	while ((more = at_file_next_line(buf, len, &pos, &line, &linelen)) !=
	       0) {
		if (lineno == UINT_MAX)
			return AT_ERR_TOO_LONG;
		lineno++;
		why = NULL;
		one = AT_OK;
		first = 0;
		dup = false;
		if (more < 0) {
			why = "line longer than " AT_XSTR(AT_MAX_LINE)
			      " bytes or with a NUL byte";
		} else if ((why = split_line(line, linelen, &id, &idlen, &user,
					     &userlen)) == NULL &&
			   idlen > 0) {
			one = at_user_map_add(m, id, idlen, user, userlen,
					      lineno, &first, &dup);
			if (dup)
				why = NULL;
			else if (one == AT_ERR_FILE)
				why = "a field is empty, longer than "
				      AT_XSTR(AT_MAX_SUB) " bytes or "
				      "unprintable";
			else if (one == AT_ERR_TOO_LONG)
				why = "more than " AT_XSTR(AT_MAP_MAX_ENTRIES)
				      " entries";
			else if (one != AT_OK)
				return one;
		}
		if (dup) {
			at_log(log, LOG_ERR,
			       "user map %s:%u: duplicate external id (first "
			       "on line %u)",
			       path, lineno, first);
		} else if (why != NULL) {
			at_log(log, LOG_ERR, "user map %s:%u: %s", path, lineno,
			       why);
		} else {
			continue;
		}
		(*bad)++;
		r = AT_ERR_FILE;
		if (!keep_going || one == AT_ERR_TOO_LONG)
			return r;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Lookups, in either form */

/* A record of the compiled form: "i" id -> user, "u" user -> its ids
 * (each NUL-terminated, in file order), "m" -> the meta record. */
#define REC_ID 'i'
#define REC_USER 'u'
#define REC_META "m"

/* The value of key in the cdb, into a new buffer (owned: free()), at
 * most max bytes.  AT_OK (*val NULL: no such key), AT_ERR_FILE. */
static enum at_err
cdb_get_value(int fd, char prefix, const char *key, size_t keylen,
	      size_t max, char **val, size_t *vlen)
{
	char k[1 + AT_MAX_LINE];
	unsigned int dlen = 0;
	int found;

	*val = NULL;
	*vlen = 0;
	if (keylen >= sizeof(k))
		return AT_OK; /* no such key can be in it */
	k[0] = prefix;
	memcpy(k + 1, key, keylen);
	found = cdb_seek(fd, k, (unsigned int)keylen + 1, &dlen);
	if (found < 0)
		return AT_ERR_FILE;
	if (found == 0)
		return AT_OK;
	if (dlen > max || (*val = malloc((size_t)dlen + 1)) == NULL)
		return dlen > max ? AT_ERR_FILE : AT_ERR_NOMEM;
	if (dlen > 0 && cdb_bread(fd, *val, (int)dlen) != 0) {
		free(*val);
		*val = NULL;
		return AT_ERR_FILE;
	}
	(*val)[dlen] = '\0';
	*vlen = dlen;
	return AT_OK;
}

enum at_err
at_user_map_cdb_user(const char *val, size_t len)
{
	return at_user_map_field_ok(val, len, false) ? AT_OK : AT_ERR_FILE;
}

enum at_err
at_user_map_cdb_ids(const char *val, size_t len, size_t *count)
{
	size_t pos = 0, n;
	const char *nul;

	*count = 0;
	if (len == 0 || val[len - 1] != '\0')
		return AT_ERR_FILE;
	while (pos < len) {
		nul = memchr(val + pos, '\0', len - pos);
		n = (size_t)(nul - (val + pos));
		if (!at_user_map_field_ok(val + pos, n, true))
			return AT_ERR_FILE;
		(*count)++;
		pos += n + 1;
	}
	return *count <= AT_MAP_MAX_ENTRIES ? AT_OK : AT_ERR_FILE;
}

enum at_err
at_user_map_find(const struct at_user_map *m, const char *id, char *user,
		 size_t usersize)
{
	enum at_err r = AT_ERR_INTERNAL;
	size_t idlen = strlen(id), ulen, i;
	char *val = NULL;

	if (usersize < AT_MAX_SUB + 1)
		goto out;
	user[0] = '\0';
	r = AT_ERR_NOT_MAPPED;
	if (m->cdb_fd < 0) {
		i = slot_of_id(m, id, idlen);
		if (m->byid[i] == 0)
			goto out;
		strcpy(user, ent_user(m, &m->ent[m->byid[i] - 1]));
		r = AT_OK;
		goto out;
	}
	if (!at_user_map_field_ok(id, idlen, true))
		goto out; /* never in a map */
	if ((r = cdb_get_value(m->cdb_fd, REC_ID, id, idlen, AT_MAX_SUB, &val,
			       &ulen)) != AT_OK)
		goto out;
	r = AT_ERR_NOT_MAPPED;
	if (val == NULL)
		goto out;
	if ((r = at_user_map_cdb_user(val, ulen)) != AT_OK)
		goto out;
	memcpy(user, val, ulen + 1);
	r = AT_OK;
out:
	free(val);
	return r;
}

/* ------------------------------------------------------------------ */
/* The verifier's map */

/* The reverse records fetched from a compiled map, kept until the
 * verifier is freed so that the ids handed out stay valid. */
struct at_map_ids {
	struct at_map_ids *next;
	char *user;		/* owned */
	char *ids;		/* owned: NUL-terminated ids */
	size_t len;
};

void
at_verifier_map_clear(struct at_verifier *v)
{
	struct at_map_ids *l, *next;

	for (l = v->map_ids; l != NULL; l = next) {
		next = l->next;
		free(l->user);
		free(l->ids);
		free(l);
	}
	v->map_ids = NULL;
	at_user_map_unref(v->map);
	v->map = NULL;
}

/* The reverse record of user from v's compiled map, its format checked.
 * That each id maps back to user is checked where it matters, for the id
 * an HMAC credential matched (at_verify.c): checking all of them here
 * would cost a lookup per id of a user with many. */
static enum at_err
cdb_ids_of(struct at_verifier *v, const char *user, struct at_map_ids **out)
{
	enum at_err r;
	struct at_map_ids *l;
	size_t count;

	*out = NULL;
	for (l = v->map_ids; l != NULL; l = l->next)
		if (strcmp(l->user, user) == 0) {
			*out = l;
			return AT_OK;
		}
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->user = strdup(user)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	r = cdb_get_value(v->map->cdb_fd, REC_USER, user, strlen(user),
			  AT_MAP_MAX_FILE, &l->ids, &l->len);
	if (r != AT_OK)
		goto out;
	if (l->ids != NULL &&
	    (r = at_user_map_cdb_ids(l->ids, l->len, &count)) != AT_OK)
		goto out;
	l->next = v->map_ids;
	v->map_ids = l;
	*out = l;
	l = NULL; /* transferred */
	r = AT_OK;
out:
	if (l != NULL) {
		free(l->user);
		free(l->ids);
		free(l);
	}
	if (r == AT_ERR_FILE)
		at_log(v->log, LOG_ERR,
		       "user map: compiled index: a corrupt record (run "
		       "agentictrust map compile again)");
	return r;
}

enum at_err
at_verifier_map_next_id(struct at_verifier *v, const char *user, size_t *pos,
			const char **id)
{
	enum at_err r;
	struct at_user_map *m = v->map;
	struct at_map_ids *l;
	const struct map_ent *e;
	size_t i;

	*id = NULL;
	if (m == NULL || *pos == SIZE_MAX)
		return AT_OK;
	if (m->cdb_fd >= 0) {
		if ((r = cdb_ids_of(v, user, &l)) != AT_OK)
			return r;
		if (l->ids == NULL || *pos >= l->len) {
			*pos = SIZE_MAX;
			return AT_OK;
		}
		/* Only offsets this function handed out are valid. */
		if (*pos > 0 && l->ids[*pos - 1] != '\0')
			return AT_ERR_INTERNAL;
		*id = l->ids + *pos;
		*pos += strlen(*id) + 1;
		return AT_OK;
	}
	if (*pos == 0) {
		i = slot_of_user(m, user, strlen(user));
		if (m->byuser[i] == 0) {
			*pos = SIZE_MAX;
			return AT_OK;
		}
		e = &m->ent[m->byuser[i] - 1];
	} else {
		if (*pos - 1 >= m->n)
			return AT_ERR_INTERNAL;
		e = &m->ent[*pos - 1];
		if (strcmp(ent_user(m, e), user) != 0)
			return AT_ERR_INTERNAL;
	}
	*id = ent_id(m, e);
	*pos = e->next != 0 ? e->next : SIZE_MAX;
	return AT_OK;
}

enum at_err
at_verifier_map_find(struct at_verifier *v, const char *id, char *user,
		     size_t usersize)
{
	enum at_err r;

	if (v->map == NULL)
		return AT_ERR_NOT_MAPPED;
	r = at_user_map_find(v->map, id, user, usersize);
	if (r == AT_ERR_FILE)
		at_log(v->log, LOG_ERR,
		       "user map: compiled index: a corrupt record (run "
		       "agentictrust map compile again)");
	return r;
}

/* A map the verifier may add to: its own, never a shared or compiled
 * one.  A shared parsed map is copied first. */
static enum at_err
map_private(struct at_verifier *v)
{
	enum at_err r;
	struct at_user_map *copy = NULL;
	const struct map_ent *e;
	unsigned int first;
	bool dup;
	size_t k;

	if (v->map == NULL)
		return map_new(&v->map, 0);
	if (v->map->cdb_fd >= 0)
		return AT_ERR_INTERNAL;
	if (atomic_load(&v->map->refs) == 1)
		return AT_OK;
	if ((r = map_new(&copy, v->map->n)) != AT_OK)
		return r;
	for (k = 0; k < v->map->n; k++) {
		e = &v->map->ent[k];
		r = at_user_map_add(copy, ent_id(v->map, e),
				    strlen(ent_id(v->map, e)),
				    ent_user(v->map, e),
				    strlen(ent_user(v->map, e)), e->line,
				    &first, &dup);
		if (r != AT_OK) {
			at_user_map_unref(copy);
			return r;
		}
	}
	at_user_map_unref(v->map);
	v->map = copy;
	return AT_OK;
}

enum at_err
at_verifier_add_mapping(struct at_verifier *v, const char *external_id,
			const char *local_user)
{
	enum at_err r;
	unsigned int first;
	bool dup;

	if ((r = map_private(v)) != AT_OK)
		return r;
	v->has_map = true;
	r = at_user_map_add(v->map, external_id, strlen(external_id),
			    local_user, strlen(local_user), 0, &first, &dup);
	return r == AT_ERR_TOO_LONG ? AT_ERR_FILE : r;
}

/* ------------------------------------------------------------------ */
/* Identity, digest, the compiled form's meta record */

static struct timespec
clock_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static struct timespec (*map_clock)(void) = clock_real;

void
at_user_map_set_clock(struct timespec (*fn)(void))
{
	map_clock = fn != NULL ? fn : clock_real;
}

void
at_file_ident_of(struct at_file_ident *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	id->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
	id->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	id->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

bool
at_file_ident_equal(const struct at_file_ident *a,
		    const struct at_file_ident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

bool
at_file_ident_settled(const struct at_file_ident *id, int64_t sec, int64_t nsec)
{
	/* ctime + AT_MAP_RACY_SECONDS <= (sec, nsec), without overflow. */
	if (id->ctime_sec > INT64_MAX - AT_MAP_RACY_SECONDS)
		return false;
	if (id->ctime_sec + AT_MAP_RACY_SECONDS != sec)
		return id->ctime_sec + AT_MAP_RACY_SECONDS < sec;
	return id->ctime_nsec <= nsec;
}

static enum at_err
sha256(const char *buf, size_t len, unsigned char out[AT_MAP_DIGEST_LEN])
{
	unsigned int n = 0;

	if (at_sha256_md() == NULL ||
	    EVP_Digest(buf, len, out, &n, at_sha256_md(), NULL) != 1 ||
	    n != AT_MAP_DIGEST_LEN)
		return AT_ERR_CRYPTO;
	return AT_OK;
}

static void
put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static const char meta_magic[8] = "ATUMAP1";

void
at_map_meta_encode(const struct at_map_meta *meta,
		   unsigned char out[AT_MAP_META_LEN])
{
	unsigned char *p = out;

	memcpy(p, meta_magic, 8);
	p += 8;
	memcpy(p, meta->digest, AT_MAP_DIGEST_LEN);
	p += AT_MAP_DIGEST_LEN;
	put64(p, meta->text.dev);
	put64(p + 8, meta->text.ino);
	put64(p + 16, meta->text.size);
	put64(p + 24, (uint64_t)meta->text.mtime_sec);
	put64(p + 32, (uint64_t)meta->text.mtime_nsec);
	put64(p + 40, (uint64_t)meta->text.ctime_sec);
	put64(p + 48, (uint64_t)meta->text.ctime_nsec);
	put64(p + 56, (uint64_t)meta->compiled_sec);
	put64(p + 64, (uint64_t)meta->compiled_nsec);
	put64(p + 72, meta->entries);
}

enum at_err
at_map_meta_decode(const void *buf, size_t len, struct at_map_meta *meta)
{
	const unsigned char *p = buf;

	memset(meta, 0, sizeof(*meta));
	if (len != AT_MAP_META_LEN || memcmp(p, meta_magic, 8) != 0)
		return AT_ERR_FILE;
	p += 8;
	memcpy(meta->digest, p, AT_MAP_DIGEST_LEN);
	p += AT_MAP_DIGEST_LEN;
	meta->text.dev = get64(p);
	meta->text.ino = get64(p + 8);
	meta->text.size = get64(p + 16);
	meta->text.mtime_sec = (int64_t)get64(p + 24);
	meta->text.mtime_nsec = (int64_t)get64(p + 32);
	meta->text.ctime_sec = (int64_t)get64(p + 40);
	meta->text.ctime_nsec = (int64_t)get64(p + 48);
	meta->compiled_sec = (int64_t)get64(p + 56);
	meta->compiled_nsec = (int64_t)get64(p + 64);
	meta->entries = get64(p + 72);
	if (meta->text.size > AT_MAP_MAX_FILE ||
	    meta->entries > AT_MAP_MAX_ENTRIES ||
	    meta->text.mtime_nsec < 0 || meta->text.mtime_nsec > 999999999 ||
	    meta->text.ctime_nsec < 0 || meta->text.ctime_nsec > 999999999 ||
	    meta->compiled_nsec < 0 || meta->compiled_nsec > 999999999)
		return AT_ERR_FILE;
	return AT_OK;
}

static enum at_err
cdb_read_meta(int fd, struct at_map_meta *meta)
{
	enum at_err r;
	char *val = NULL;
	size_t len = 0;

	r = cdb_get_value(fd, REC_META[0], "", 0, AT_MAP_META_LEN, &val,
			  &len);
	if (r == AT_OK)
		r = val != NULL ? at_map_meta_decode(val, len, meta)
				: AT_ERR_FILE;
	free(val);
	return r;
}

/* path + ".cdb", into a new string (owned: free()). */
static char *
cdb_path_of(const char *path)
{
	size_t n = strlen(path);
	char *p;

	if (n > PATH_MAX || (p = malloc(n + sizeof(AT_MAP_CDB_SUFFIX))) == NULL)
		return NULL;
	memcpy(p, path, n);
	memcpy(p + n, AT_MAP_CDB_SUFFIX, sizeof(AT_MAP_CDB_SUFFIX));
	return p;
}

/* ------------------------------------------------------------------ */
/* The process-wide cache of parsed maps */

struct cache_slot {
	char *path;		/* owned; NULL: free slot */
	struct at_file_ident text;
	unsigned char digest[AT_MAP_DIGEST_LEN];
	struct timespec read_at; /* the clock before the text was opened */
	struct at_user_map *map; /* one reference */
	uint64_t used;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_slot cache[AT_MAP_CACHE_SLOTS];
static uint64_t cache_tick;
static pthread_once_t cache_atfork_once = PTHREAD_ONCE_INIT;

/*
 * fork() while another thread holds cache_lock would leave it held
 * forever in the child (a threaded server whose child authenticates), as
 * at_cache.c's lock: the same handlers, registered before first use.
 */
static void
cache_fork_prepare(void)
{
	pthread_mutex_lock(&cache_lock);
}

static void
cache_fork_release(void)
{
	pthread_mutex_unlock(&cache_lock);
}

static void
cache_register_atfork(void)
{
	(void)pthread_atfork(cache_fork_prepare, cache_fork_release,
			     cache_fork_release);
}

/* Take cache_lock, its fork handlers registered first. */
static void
cache_lock_take(void)
{
	(void)pthread_once(&cache_atfork_once, cache_register_atfork);
	pthread_mutex_lock(&cache_lock);
}

void
at_user_map_cache_clear(void)
{
	size_t i;

	cache_lock_take();
	for (i = 0; i < AT_MAP_CACHE_SLOTS; i++) {
		free(cache[i].path);
		at_user_map_unref(cache[i].map);
		memset(&cache[i], 0, sizeof(cache[i]));
	}
	pthread_mutex_unlock(&cache_lock);
}

/* A module unloaded by dlclose() leaves nothing behind. */
__attribute__((destructor)) static void
cache_fini(void)
{
	at_user_map_cache_clear();
}

static struct cache_slot *
cache_find(const char *path)
{
	size_t i;

	for (i = 0; i < AT_MAP_CACHE_SLOTS; i++)
		if (cache[i].path != NULL && strcmp(cache[i].path, path) == 0)
			return &cache[i];
	return NULL;
}

/* The cached map of path when its identity is text's and settled (or,
 * with digest, when its bytes are those), with a reference; else NULL. */
static struct at_user_map *
cache_get(const char *path, const struct at_file_ident *text,
	  const unsigned char *digest, const struct timespec *read_at)
{
	struct cache_slot *s;
	struct at_user_map *m = NULL;

	cache_lock_take();
	if ((s = cache_find(path)) == NULL)
		goto out;
	if (digest == NULL) {
		if (at_file_ident_equal(&s->text, text) &&
		    at_file_ident_settled(&s->text, s->read_at.tv_sec,
					 s->read_at.tv_nsec))
			m = at_user_map_ref(s->map);
	} else if (CRYPTO_memcmp(s->digest, digest, AT_MAP_DIGEST_LEN) == 0) {
		/* The same bytes under a new identity (touched, copied
		 * back): remember the identity they have now. */
		s->text = *text;
		s->read_at = *read_at;
		m = at_user_map_ref(s->map);
	}
	if (m != NULL)
		s->used = ++cache_tick;
out:
	pthread_mutex_unlock(&cache_lock);
	return m;
}

static void
cache_put(const char *path, const struct at_file_ident *text,
	  const unsigned char *digest, const struct timespec *read_at,
	  struct at_user_map *m)
{
	struct cache_slot *s;
	char *copy;
	size_t i;

	if ((copy = strdup(path)) == NULL)
		return; /* not cached: still correct */
	cache_lock_take();
	if ((s = cache_find(path)) == NULL) {
		s = &cache[0];
		for (i = 0; i < AT_MAP_CACHE_SLOTS; i++) {
			if (cache[i].path == NULL) {
				s = &cache[i];
				break;
			}
			if (cache[i].used < s->used)
				s = &cache[i];
		}
	}
	free(s->path);
	at_user_map_unref(s->map);
	s->path = copy;
	s->text = *text;
	memcpy(s->digest, digest, AT_MAP_DIGEST_LEN);
	s->read_at = *read_at;
	s->map = at_user_map_ref(m);
	s->used = ++cache_tick;
	pthread_mutex_unlock(&cache_lock);
}

/* ------------------------------------------------------------------ */
/* Loading */

/* Open path's compiled index (missing: *fd -1) and read its meta record.
 * Unsafe or corrupt: AT_ERR_FILE, logged. */
static enum at_err
cdb_open(const char *cdbpath, uid_t owner_uid, const struct at_log *log,
	 int *fd, struct at_map_meta *meta)
{
	enum at_err r;
	struct stat st;

	*fd = -1;
	r = at_file_open(cdbpath, AT_FILE_CONFIG, owner_uid, true, log, fd,
			 &st);
	if (r != AT_OK || *fd < 0)
		return r;
	r = AT_ERR_FILE;
	if ((uint64_t)st.st_size > AT_MAP_MAX_CDB)
		at_log(log, LOG_ERR,
		       "user map index %s: larger than %llu bytes", cdbpath,
		       (unsigned long long)AT_MAP_MAX_CDB);
	else if ((r = cdb_read_meta(*fd, meta)) != AT_OK)
		at_log(log, LOG_ERR,
		       "user map index %s: corrupt or not made by agentictrust "
		       "map compile: delete it or compile the map again",
		       cdbpath);
	if (r != AT_OK) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

static enum at_err
cdb_map(int fd, const struct at_map_meta *meta, struct at_user_map **out)
{
	struct at_user_map *m;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return AT_ERR_NOMEM;
	atomic_init(&m->refs, 1);
	m->cdb_fd = fd;
	m->cdb_entries = meta->entries;
	*out = m;
	return AT_OK;
}

enum at_err
at_user_map_load(const char *path, uid_t owner_uid, const struct at_log *log,
		 unsigned int flags, struct at_user_map **out,
		 enum at_map_form *form)
{
	enum at_err r;
	struct at_user_map *m = NULL;
	struct at_map_meta meta;
	struct at_file_ident text;
	struct timespec read_at = map_clock();
	struct stat st;
	unsigned char digest[AT_MAP_DIGEST_LEN];
	char *cdbpath = NULL, *buf = NULL;
	size_t len = 0;
	unsigned int bad;
	bool use_cache = (flags & AT_MAP_LOAD_NOCACHE) == 0;
	int fd = -1, cfd = -1;

	*out = NULL;
	*form = AT_MAP_TEXT;
	/* The text's checks on every load, compiled or cached or not. */
	r = at_file_open(path, AT_FILE_CONFIG, owner_uid, false, log, &fd,
			 &st);
	if (r != AT_OK)
		goto out;
	at_file_ident_of(&text, &st);
	r = AT_ERR_NOMEM;
	if ((cdbpath = cdb_path_of(path)) == NULL)
		goto out;
	if ((flags & AT_MAP_LOAD_NOINDEX) == 0 &&
	    (r = cdb_open(cdbpath, owner_uid, log, &cfd, &meta)) != AT_OK)
		goto out;
	if (cfd >= 0 && at_file_ident_equal(&meta.text, &text) &&
	    at_file_ident_settled(&text, meta.compiled_sec,
				 meta.compiled_nsec)) {
		*form = AT_MAP_COMPILED;
		goto compiled;
	}
	if (use_cache && (m = cache_get(path, &text, NULL, NULL)) != NULL) {
		at_log(log, LOG_DEBUG, "user map %s: cached (same file)", path);
		r = AT_OK;
		goto out;
	}
	r = at_file_read_fd(fd, &st, AT_MAP_MAX_FILE, path, AT_FILE_CONFIG,
			    log, &buf, &len);
	if (r != AT_OK)
		goto out;
	if ((r = sha256(buf, len, digest)) != AT_OK)
		goto out;
	if (cfd >= 0) {
		if (CRYPTO_memcmp(meta.digest, digest, sizeof(digest)) == 0) {
			*form = AT_MAP_COMPILED;
			goto compiled;
		}
		*form = AT_MAP_STALE;
		at_log(log, LOG_DEBUG,
		       "user map %s: the compiled index %s was built from "
		       "other text: reading the text (run agentictrust map "
		       "compile %s)",
		       path, cdbpath, path);
	}
	if (use_cache &&
	    (m = cache_get(path, &text, digest, &read_at)) != NULL) {
		at_log(log, LOG_DEBUG, "user map %s: cached (same bytes)",
		       path);
		r = AT_OK;
		goto out;
	}
	if ((r = map_new(&m, len / 16)) != AT_OK)
		goto out;
	if ((r = at_user_map_parse(m, buf, len, path, log, false, &bad)) !=
	    AT_OK)
		goto out;
	if (use_cache)
		cache_put(path, &text, digest, &read_at, m);
	at_log(log, LOG_DEBUG, "user map %s: %zu entr%s from the text", path,
	       m->n, m->n == 1 ? "y" : "ies");
	r = AT_OK;
	goto out;
compiled:
	if ((r = cdb_map(cfd, &meta, &m)) != AT_OK)
		goto out;
	cfd = -1; /* transferred */
	at_log(log, LOG_DEBUG, "user map %s: compiled index %s, current", path,
	       cdbpath);
	r = AT_OK;
out:
	if (r == AT_OK) {
		*out = m;
		m = NULL; /* transferred */
	}
	at_user_map_unref(m);
	if (cfd >= 0)
		close(cfd);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(cdbpath);
	return r;
}

enum at_err
at_verifier_load_user_map(struct at_verifier *v, const char *path,
			  uid_t owner_uid)
{
	enum at_err r;
	struct at_user_map *m = NULL;
	enum at_map_form form;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd = -1;
	unsigned int bad;

	if (v->map == NULL) {
		r = at_user_map_load(path, owner_uid, v->log, 0, &m, &form);
		if (r != AT_OK)
			goto out;
		v->map = m;
		m = NULL; /* transferred */
		v->has_map = true;
		goto out;
	}
	/* A second map, or one after at_verifier_add_mapping(): its lines
	 * join the verifier's own map, duplicates across both refused. */
	if ((r = map_private(v)) != AT_OK)
		goto out;
	r = at_file_open(path, AT_FILE_CONFIG, owner_uid, false, v->log, &fd,
			 &st);
	if (r != AT_OK)
		goto out;
	r = at_file_read_fd(fd, &st, AT_MAP_MAX_FILE, path, AT_FILE_CONFIG,
			    v->log, &buf, &len);
	if (r != AT_OK)
		goto out;
	v->has_map = true;
	r = at_user_map_parse(v->map, buf, len, path, v->log, false, &bad);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* ------------------------------------------------------------------ */
/* Compiling */

/* Add every record of the parsed map m to the cdb being made. */
static enum at_err
cdb_put_all(struct cdb_make *mk, const struct at_user_map *m,
	    const unsigned char *metarec)
{
	char key[1 + AT_MAX_SUB];
	char *ids = NULL;
	size_t idslen, idscap = 0, k, n;
	const struct map_ent *e;
	const char *s;
	enum at_err r = AT_ERR_FILE;

	if (cdb_make_add(mk, REC_META, 1, metarec, AT_MAP_META_LEN) != 0)
		goto out;
	for (k = 0; k < m->n; k++) {
		e = &m->ent[k];
		s = ent_id(m, e);
		n = strlen(s);
		key[0] = REC_ID;
		memcpy(key + 1, s, n);
		s = ent_user(m, e);
		if (cdb_make_add(mk, key, (unsigned int)n + 1, s,
				 (unsigned int)strlen(s)) != 0)
			goto out;
	}
	for (k = 0; k < m->n; k++) {
		e = &m->ent[k];
		s = ent_user(m, e);
		/* Once per user, at its first entry. */
		if (m->byuser[slot_of_user(m, s, strlen(s))] != k + 1)
			continue;
		idslen = 0;
		for (;;) {
			n = strlen(ent_id(m, e)) + 1;
			if (!grow_to((void **)&ids, &idscap, idslen + n, 1)) {
				r = AT_ERR_NOMEM;
				goto out;
			}
			memcpy(ids + idslen, ent_id(m, e), n);
			idslen += n;
			if (e->next == 0)
				break;
			e = &m->ent[e->next - 1];
		}
		n = strlen(s);
		key[0] = REC_USER;
		memcpy(key + 1, s, n);
		if (cdb_make_add(mk, key, (unsigned int)n + 1, ids,
				 (unsigned int)idslen) != 0)
			goto out;
	}
	r = AT_OK;
out:
	free(ids);
	return r;
}

enum at_err
at_user_map_write_cdb(const char *cdbpath, mode_t mode,
		      const struct at_user_map *m,
		      const struct at_map_meta *meta, const struct at_log *log)
{
	enum at_err r = AT_ERR_FILE;
	struct cdb_make mk;
	unsigned char metarec[AT_MAP_META_LEN];
	char *tmp = NULL, *dir = NULL, *slash;
	bool started = false;
	int fd = -1, dfd = -1;

	if (m->cdb_fd >= 0)
		return AT_ERR_INTERNAL;
	if (asprintf(&tmp, "%s.XXXXXX", cdbpath) < 0) {
		tmp = NULL;
		return AT_ERR_NOMEM;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		at_log(log, LOG_ERR, "user map index %s: cannot create %s: %s",
		       cdbpath, tmp, strerror(errno));
		free(tmp);
		return AT_ERR_FILE;
	}
	if (fchmod(fd, mode & 0644) != 0) {
		at_log(log, LOG_ERR, "user map index %s: fchmod: %s", tmp,
		       strerror(errno));
		goto out;
	}
	at_map_meta_encode(meta, metarec);
	if (cdb_make_start(&mk, fd) != 0)
		goto write_err;
	started = true;
	if ((r = cdb_put_all(&mk, m, metarec)) != AT_OK) {
		if (r != AT_ERR_FILE)
			goto out;
		goto write_err;
	}
	started = false;
	if (cdb_make_finish(&mk) != 0)
		goto write_err;
	if (fsync(fd) != 0)
		goto write_err;
	if (close(fd) != 0) {
		fd = -1;
		goto write_err;
	}
	fd = -1;
	if (rename(tmp, cdbpath) != 0)
		goto write_err;
	free(tmp);
	tmp = NULL;
	/* The rename itself, on disk. */
	if ((dir = strdup(cdbpath)) != NULL &&
	    (slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir ? 1 : 0] = '\0';
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	free(dir);
	return AT_OK;
write_err:
	r = AT_ERR_FILE;
	at_log(log, LOG_ERR, "user map index %s: cannot write it: %s", cdbpath,
	       strerror(errno));
out:
	if (started) {
		/* cdb_make has no abort: finish into the doomed file. */
		(void)cdb_make_finish(&mk);
	}
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return r;
}

enum at_err
at_user_map_compile(const char *path, uid_t owner_uid,
		    const struct at_log *log, size_t *entries)
{
	enum at_err r;
	struct at_user_map *m = NULL;
	struct at_map_meta meta;
	struct timespec t0 = map_clock();
	struct stat st, after;
	char *buf = NULL, *cdbpath = NULL;
	size_t len = 0;
	unsigned int bad;
	int fd = -1;

	*entries = 0;
	memset(&meta, 0, sizeof(meta));
	r = at_file_open(path, AT_FILE_CONFIG, owner_uid, false, log, &fd,
			 &st);
	if (r != AT_OK)
		goto out;
	r = at_file_read_fd(fd, &st, AT_MAP_MAX_FILE, path, AT_FILE_CONFIG,
			    log, &buf, &len);
	if (r != AT_OK)
		goto out;
	r = AT_ERR_FILE;
	if (fstat(fd, &after) != 0 ||
	    after.st_ctim.tv_sec != st.st_ctim.tv_sec ||
	    after.st_ctim.tv_nsec != st.st_ctim.tv_nsec ||
	    after.st_size != st.st_size || (size_t)st.st_size != len) {
		at_log(log, LOG_ERR, "user map %s: changed while read: compile "
		       "again", path);
		goto out;
	}
	if ((r = map_new(&m, len / 16)) != AT_OK)
		goto out;
	if ((r = at_user_map_parse(m, buf, len, path, log, false, &bad)) !=
	    AT_OK)
		goto out;
	at_file_ident_of(&meta.text, &st);
	if ((r = sha256(buf, len, meta.digest)) != AT_OK)
		goto out;
	meta.compiled_sec = (int64_t)t0.tv_sec;
	meta.compiled_nsec = (int64_t)t0.tv_nsec;
	meta.entries = m->n;
	r = AT_ERR_NOMEM;
	if ((cdbpath = cdb_path_of(path)) == NULL)
		goto out;
	if ((r = at_user_map_write_cdb(cdbpath, st.st_mode & 07777, m, &meta,
				       log)) != AT_OK)
		goto out;
	*entries = m->n;
	r = AT_OK;
out:
	at_user_map_unref(m);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(cdbpath);
	return r;
}
