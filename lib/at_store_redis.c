/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store_redis.c - the redis backend of the state store (at_store.h),
 * through hiredis 0.14 (Debian 12), blocking API.
 *
 * Keys, all under s->prefix (store_prefix=, default "agentictrust:"):
 *   PREFIX "rid:" ID     hash {before, created[, reason]}: a revoked id
 *   PREFIX "rtok:" FP    hash {expires, created[, reason][, sub]}: a
 *                        revoked token, EXPIREAT expires + 1 unless 0
 *   PREFIX "use:" KEY    "1": a consumed single-use token, EXAT until + 1
 *                        unless 0
 * The check script declares in KEYS[] only the key it writes (the use
 * key); it gets the revocation keys it only reads in ARGV.  Redis 7
 * checks an EVAL's KEYS[] for read and write access, and each command a
 * script calls against the caller's ACL as that command uses its keys,
 * so the module's user can be given "%R~agentictrust:*
 * %RW~agentictrust:use:*": it can run the check but not remove or
 * rewrite a revocation, by a command or by a script (README, "Redis
 * across a fleet").  A key read that is not in KEYS[] is fine for a
 * script without a "#!lua" flags line, on a single server (not a Redis
 * Cluster, which this backend does not speak anyway).  Ids travel as
 * binary-safe bulk strings: no byte of an id can reach another key or
 * another command.
 *
 * One connection per at_store_open(): the module opens the store once
 * per authentication (and sshd forks per connection anyway), so there is
 * no reconnect logic to get wrong: a redis-server that restarted is
 * simply reached again by the next login.  A connection that failed or
 * timed out is marked broken and never used again, so a late reply can
 * never be taken for the answer to a later command.
 *
 * Time: store_timeout_ms bounds connect + AUTH + SELECT together, then
 * each later round trip.  The deadline is enforced here with poll()
 * before every read and write (SO_RCVTIMEO/SO_SNDTIMEO, set to what is
 * left, are only a backstop), so a server that trickles bytes cannot
 * stretch it.  Not covered: the resolver (getaddrinfo() inside hiredis)
 * for a DNS name; use an address in store= where that matters.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "at_store.h"

/*
 * libhiredis, loaded when the first redis store is opened (at_store.h,
 * struct at_store_lib).  Every function this file calls, and only
 * through this table.
 */
static struct {
	AT_STORE_FN(freeReplyObject);
	AT_STORE_FN(redisAppendCommandArgv);
	AT_STORE_FN(redisBufferRead);
	AT_STORE_FN(redisBufferWrite);
	AT_STORE_FN(redisConnectUnixWithTimeout);
	AT_STORE_FN(redisConnectWithTimeout);
	AT_STORE_FN(redisFree);
	AT_STORE_FN(redisGetReplyFromReader);
	AT_STORE_FN(redisSetTimeout);
} hr;

/* clang-format off */
#define SYM(f) { #f, &hr.f }
/* clang-format on */
static const struct at_store_sym hr_syms[] = {
	SYM(freeReplyObject),
	SYM(redisAppendCommandArgv),
	SYM(redisBufferRead),
	SYM(redisBufferWrite),
	SYM(redisConnectUnixWithTimeout),
	SYM(redisConnectWithTimeout),
	SYM(redisFree),
	SYM(redisGetReplyFromReader),
	SYM(redisSetTimeout),
};
#undef SYM

static struct at_store_lib hr_lib = {
	.kind = AT_STORE_REDIS_TCP,
	.soname = AT_HIREDIS_SONAME,
	.syms = hr_syms,
	.nsyms = sizeof(hr_syms) / sizeof(hr_syms[0]),
};
static pthread_once_t hr_once = PTHREAD_ONCE_INIT;

static void
hr_load(void)
{
	at_store_lib_load(&hr_lib);
}

/* What `agentictrust revoked` lists at most (and so holds in memory). */
#define RD_MAX_LIST 100000
/* Keys a SCAN step looks at (a hint to the server). */
#define RD_SCAN_COUNT "1000"
/* A key: prefix, "rtok:" or "use:", an id or a use key. */
#define RD_MAX_KEY (AT_STORE_MAX_PREFIX + 5 + AT_STORE_MAX_USE_KEY)
/* Room for a server's message in a log line (at_log_value() quoted). */
#define RD_MSG_SIZE 256

struct rd {
	redisContext *c;
	bool broken;	 /* an I/O error or timeout: never used again */
	char where[512]; /* "HOST:PORT" or the socket path, for log lines */
};

/* ------------------------------------------------------------------ */
/* The scripts (Redis 7 Lua; EVAL caches the compiled script). */

/*
 * The one question of an authentication, atomically (a script runs
 * alone on the server):
 *   KEYS[1]   PREFIX "use:" use_key      when ARGV[3] == "1", else no key
 *   ARGV[1]   iat in decimal, "" for none (or negative)
 *   ARGV[2]   "1" when ARGV[7] names a token, else "0"
 *   ARGV[3]   "1" when KEYS[1] is given, else "0"
 *   ARGV[4]   EXAT of the use key: use_until + 1, so that it is kept
 *             through the second use_until as the SQLite store keeps it
 *             (while now <= until); "0" = forever
 *   ARGV[5]   now (the host's clock, as the verifier's checks)
 *   ARGV[6]   PREFIX "rid:" sub           (only read: not in KEYS[])
 *   ARGV[7]   PREFIX "rtok:" fp           when ARGV[2] == "1" (read)
 * Returns 0 (consumed when asked), 1 (id revoked), 2 (token revoked),
 * 3 (replayed).  Nothing is written unless the answer is 0.  Numbers are
 * compared as canonical decimal strings (length, then bytes): exact for
 * any int64, where Lua's doubles are not past 2^53.  A revocation key
 * this program did not write (no field, a malformed number, another
 * type) is an error, never "not revoked".
 */
static const char check_script[] =
	"local function num(v)\n"
	"  if v ~= '0' and not string.match(v, '^[1-9][0-9]*$') then\n"
	"    return redis.error_reply('ERR agentictrust: malformed "
	"revocation')\n"
	"  end\n"
	"end\n"
	"local function lt(a, b)\n"
	"  return #a < #b or (#a == #b and a < b)\n"
	"end\n"
	"local b = redis.call('HGET', ARGV[6], 'before')\n"
	"if not b and redis.call('EXISTS', ARGV[6]) == 1 then b = '' end\n"
	"if b then\n"
	"  local e = num(b); if e then return e end\n"
	"  if b == '0' or ARGV[1] == '' or lt(ARGV[1], b) then return 1 end\n"
	"end\n"
	"if ARGV[2] == '1' then\n"
	"  local x = redis.call('HGET', ARGV[7], 'expires')\n"
	"  if not x and redis.call('EXISTS', ARGV[7]) == 1 then x = '' end\n"
	"  if x then\n"
	"    local e = num(x); if e then return e end\n"
	"    if x == '0' or not lt(x, ARGV[5]) then return 2 end\n"
	"  end\n"
	"end\n"
	"if ARGV[3] == '1' then\n"
	"  local ok\n"
	"  if ARGV[4] == '0' then\n"
	"    ok = redis.call('SET', KEYS[1], '1', 'NX')\n"
	"  else\n"
	"    ok = redis.call('SET', KEYS[1], '1', 'NX', 'EXAT', ARGV[4])\n"
	"  end\n"
	"  if not ok then return 3 end\n"
	"end\n"
	"return 0\n";

/*
 * Add or replace a revocation, atomically:
 *   KEYS[1]   PREFIX "rid:" id or PREFIX "rtok:" fp
 *   ARGV[1]   "before" or "expires"; ARGV[2] its value
 *   ARGV[3]   created
 *   ARGV[4]   "" or "+" reason;  ARGV[5]  "" or "+" sub
 *   ARGV[6]   "0", or the EXPIREAT: ARGV[2] + 1, so that the key is
 *             kept through the second ARGV[2] (in force while now <=
 *             expires, as the SQLite store has it)
 */
static const char revoke_script[] =
	"redis.call('DEL', KEYS[1])\n"
	"local f = {ARGV[1], ARGV[2], 'created', ARGV[3]}\n"
	"if ARGV[4] ~= '' then\n"
	"  f[#f + 1] = 'reason'; f[#f + 1] = string.sub(ARGV[4], 2)\n"
	"end\n"
	"if ARGV[5] ~= '' then\n"
	"  f[#f + 1] = 'sub'; f[#f + 1] = string.sub(ARGV[5], 2)\n"
	"end\n"
	"redis.call('HSET', KEYS[1], unpack(f))\n"
	"if ARGV[6] ~= '0' then redis.call('EXPIREAT', KEYS[1], ARGV[6]) end\n"
	"return 0\n";

/* ------------------------------------------------------------------ */
/* Logging and time */

static void
rd_fail(const struct at_store *s, const char *what, const char *msg)
{
	const struct rd *be = s->be;
	char v[RD_MSG_SIZE];

	if (msg != NULL)
		at_log(s->log, LOG_ERR, "store: redis %s: %s (%s)", be->where,
		       what, at_log_value(v, sizeof(v), msg));
	else
		at_log(s->log, LOG_ERR, "store: redis %s: %s", be->where, what);
}

static int64_t
rd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready for ev or the deadline passes.  Returns 1
 * (ready, or an error or hang-up the next read/write reports), 0 (timed
 * out), -1 (poll failed).
 */
static int
rd_wait(int fd, short ev, int64_t deadline)
{
	struct pollfd p;
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - rd_now_ms()) <= 0)
			return 0;
		p.fd = fd;
		p.events = ev;
		p.revents = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/*
 * The socket timeouts, a backstop to rd_wait(): what is left before the
 * deadline.  A zero timeval would mean "never", so at least 1 ms.
 */
static void
rd_set_timeout(redisContext *c, int64_t deadline)
{
	int64_t left = deadline - rd_now_ms();
	struct timeval tv;

	if (left < 1)
		left = 1;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	(void)hr.redisSetTimeout(c, tv);
}

/*
 * An error reply's class.  A server still loading its data set
 * (LOADING), busy in a script past lua-time-limit (BUSY), or a replica
 * that lost its master (MASTERDOWN) will answer later: it is as
 * unavailable as a stopped one, and store_unavailable= decides.  Every
 * other error (WRONGPASS, NOAUTH, NOPERM, OOM, READONLY, a script error)
 * is the store refusing: store_error, always denied.
 */
static enum at_err
rd_error_class(const char *msg)
{
	static const char *const later[] = {"LOADING", "BUSY", "MASTERDOWN"};
	size_t i, n;

	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		n = strlen(later[i]);
		if (strncmp(msg, later[i], n) == 0 &&
		    (msg[n] == ' ' || msg[n] == '\0'))
			return AT_ERR_STORE_UNAVAILABLE;
	}
	return AT_ERR_STORE;
}

/* ------------------------------------------------------------------ */
/* Round trips */

static enum at_err
rd_io_error(struct at_store *s, const char *what)
{
	struct rd *be = s->be;
	char line[160];

	be->broken = true;
	switch (be->c->err) {
	case REDIS_ERR_OOM:
		rd_fail(s, what, "out of memory");
		return AT_ERR_NOMEM;
	case REDIS_ERR_PROTOCOL:
		snprintf(line, sizeof(line), "%s: not a Redis reply", what);
		rd_fail(s, line, be->c->errstr);
		return AT_ERR_STORE;
	default:
		snprintf(line, sizeof(line), "%s: connection lost", what);
		rd_fail(s, line, be->c->errstr);
		return AT_ERR_STORE_UNAVAILABLE;
	}
}

static void
rd_free_replies(redisReply **rep, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rep[i] != NULL)
			hr.freeReplyObject(rep[i]);
		rep[i] = NULL;
	}
}

/*
 * Send what is appended to the context and read n replies into rep
 * (owned: rd_free_replies()), all before deadline.  Error replies are
 * returned as replies (the caller decides); an I/O error, a timeout or a
 * protocol error is logged here (what names the step) and marks the
 * connection broken.
 */
static enum at_err
rd_replies(struct at_store *s, const char *what, int64_t deadline,
	   redisReply **rep, size_t n)
{
	struct rd *be = s->be;
	redisContext *c = be->c;
	char line[160];
	void *aux;
	size_t i;
	int done, w;
	enum at_err r;

	for (i = 0; i < n; i++)
		rep[i] = NULL;
	if (be->broken) {
		rd_fail(s, what, "the connection failed before; not reused");
		return AT_ERR_STORE_UNAVAILABLE;
	}
	rd_set_timeout(c, deadline);
	for (i = 0; i < n; i++) {
		for (;;) {
			aux = NULL;
			if (hr.redisGetReplyFromReader(c, &aux) != REDIS_OK) {
				r = rd_io_error(s, what);
				goto fail;
			}
			if (aux != NULL)
				break;
			for (;;) {
				if (hr.redisBufferWrite(c, &done) != REDIS_OK) {
					r = rd_io_error(s, what);
					goto fail;
				}
				if (done)
					break;
				if ((w = rd_wait(c->fd, POLLOUT, deadline)) <=
				    0)
					goto timeout;
			}
			if ((w = rd_wait(c->fd, POLLIN, deadline)) <= 0)
				goto timeout;
			if (hr.redisBufferRead(c) != REDIS_OK) {
				r = rd_io_error(s, what);
				goto fail;
			}
		}
		rep[i] = aux;
	}
	return AT_OK;
timeout:
	be->broken = true;
	if (w == 0)
		snprintf(line, sizeof(line), "%s: no answer within %u ms", what,
			 s->timeout_ms);
	else
		snprintf(line, sizeof(line), "%s: poll: %s", what,
			 strerror(errno));
	rd_fail(s, line, NULL);
	r = AT_ERR_STORE_UNAVAILABLE;
fail:
	rd_free_replies(rep, i);
	return r;
}

/*
 * A reply that must not be an error: AT_OK, or the error's class with a
 * line "what refused (message)".
 */
static enum at_err
rd_reply_ok(struct at_store *s, const char *what, const redisReply *rep)
{
	char line[160];

	if (rep->type != REDIS_REPLY_ERROR)
		return AT_OK;
	snprintf(line, sizeof(line), "%s refused", what);
	rd_fail(s, line, rep->str != NULL ? rep->str : "");
	return rd_error_class(rep->str != NULL ? rep->str : "");
}

static enum at_err
rd_unexpected(struct at_store *s, const char *what, const redisReply *rep)
{
	char line[160];

	snprintf(line, sizeof(line), "%s: unexpected reply of type %d", what,
		 rep->type);
	rd_fail(s, line, NULL);
	return AT_ERR_STORE;
}

/* Append one command; false (logged) when hiredis is out of memory. */
static bool
rd_append(struct at_store *s, int argc, const char **argv,
	  const size_t *argvlen)
{
	struct rd *be = s->be;

	if (hr.redisAppendCommandArgv(be->c, argc, argv, argvlen) != REDIS_OK) {
		be->broken = true;
		rd_fail(s, "cannot queue a command", "out of memory");
		return false;
	}
	return true;
}

/* PREFIX kind id into key (RD_MAX_KEY + 1); false when it does not fit. */
static bool
rd_key(const struct at_store *s, char key[RD_MAX_KEY + 1], const char *kind,
       const char *id)
{
	int n = snprintf(key, RD_MAX_KEY + 1, "%s%s%s", s->prefix, kind, id);

	return n > 0 && (size_t)n <= RD_MAX_KEY;
}

/* ------------------------------------------------------------------ */
/* Opening */

/*
 * RESP (the Redis protocol) for one command into b at *pos; false when it
 * does not fit.
 */
static bool
rd_resp(char *b, size_t size, size_t *pos, int argc, const char **argv,
	const size_t *len)
{
	int i, n;

	n = snprintf(b + *pos, size - *pos, "*%d\r\n", argc);
	if (n < 0 || (size_t)n >= size - *pos)
		return false;
	*pos += (size_t)n;
	for (i = 0; i < argc; i++) {
		n = snprintf(b + *pos, size - *pos, "$%zu\r\n", len[i]);
		if (n < 0 || (size_t)n >= size - *pos ||
		    len[i] + 2 > size - *pos - (size_t)n)
			return false;
		*pos += (size_t)n;
		memcpy(b + *pos, argv[i], len[i]);
		*pos += len[i];
		b[(*pos)++] = '\r';
		b[(*pos)++] = '\n';
	}
	return true;
}

/*
 * AUTH [user] password and SELECT db, in one write and one round trip.
 *
 * hiredis 0.14.1 keeps copies of every command it is given: the
 * formatted command (redisFormatSdsCommandArgv) and the output buffer
 * c->obuf, both released with plain sdsfree() after the write, so the
 * password would stay in freed heap.  The two commands are therefore
 * written here, from a buffer this function wipes, straight to the
 * connection's socket; hiredis only reads the replies (which never hold
 * the password).
 */
static enum at_err
rd_login(struct at_store *s, const struct at_store_url *u, const char *password,
	 size_t passwordlen, int64_t deadline)
{
	struct rd *be = s->be;
	redisContext *c = be->c;
	redisReply *rep[2] = {NULL, NULL};
	const char *argv[3];
	size_t len[3], size, pos = 0, n = 0, i;
	char db[16], *buf = NULL;
	ssize_t w;
	int ready = 1;
	enum at_err r = AT_ERR_NOMEM;

	size = passwordlen + (u->user != NULL ? strlen(u->user) : 0) + 128;
	if ((buf = malloc(size)) == NULL)
		goto out;
	r = AT_ERR_INTERNAL;
	if (password != NULL) {
		argv[0] = "AUTH";
		len[0] = 4;
		i = 1;
		if (u->user != NULL) {
			argv[i] = u->user;
			len[i++] = strlen(u->user);
		}
		argv[i] = password;
		len[i++] = passwordlen;
		if (!rd_resp(buf, size, &pos, (int)i, argv, len))
			goto out;
		n++;
	}
	if (u->db != 0) {
		snprintf(db, sizeof(db), "%u", u->db);
		argv[0] = "SELECT";
		len[0] = 6;
		argv[1] = db;
		len[1] = strlen(db);
		if (!rd_resp(buf, size, &pos, 2, argv, len))
			goto out;
		n++;
	}
	if (n == 0) {
		r = AT_OK;
		goto out;
	}
	rd_set_timeout(c, deadline);
	for (i = 0; i < pos;) {
		if ((ready = rd_wait(c->fd, POLLOUT, deadline)) <= 0)
			break;
		w = write(c->fd, buf + i, pos - i);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ready = -1;
			break;
		}
		i += (size_t)w;
	}
	if (i < pos) {
		be->broken = true;
		if (ready == 0)
			rd_fail(s, "login: no answer", "timed out");
		else
			rd_fail(s, "login: cannot send", strerror(errno));
		r = AT_ERR_STORE_UNAVAILABLE;
		goto out;
	}
	if ((r = rd_replies(s, "login", deadline, rep, n)) != AT_OK)
		goto out;
	for (i = 0; i < n; i++) {
		const char *what =
			password != NULL && i == 0 ? "AUTH" : "SELECT";

		if ((r = rd_reply_ok(s, what, rep[i])) != AT_OK)
			goto out;
		if (rep[i]->type != REDIS_REPLY_STATUS) {
			r = rd_unexpected(s, what, rep[i]);
			goto out;
		}
	}
	r = AT_OK;
out:
	if (buf != NULL)
		at_freezero(buf, size);
	rd_free_replies(rep, 2);
	return r;
}

/* ------------------------------------------------------------------ */
/* The operations */

static enum at_err
rd_check(struct at_store *s, const struct at_store_query *q)
{
	char krid[RD_MAX_KEY + 1], ktok[RD_MAX_KEY + 1], kuse[RD_MAX_KEY + 1];
	char iat[24] = "", until[24] = "0", now[24] = "0";
	const char *argv[11];
	size_t len[11];
	redisReply *rep = NULL;
	int argc = 0, k;
	int64_t deadline = rd_now_ms() + s->timeout_ms;
	enum at_err r = AT_ERR_INTERNAL;

	if (strlen(q->sub) == 0 || strlen(q->sub) > AT_MAX_SUB ||
	    !rd_key(s, krid, "rid:", q->sub) ||
	    (q->fp != NULL && !rd_key(s, ktok, "rtok:", q->fp)) ||
	    (q->use_key != NULL && !rd_key(s, kuse, "use:", q->use_key)) ||
	    q->use_until < 0 || q->use_until == INT64_MAX || q->now < 0) {
		rd_fail(s, "check: an id or key too long for a key", NULL);
		goto out;
	}
	/* A negative iat is before any cut-off, as a missing one is. */
	if (q->has_iat && q->iat >= 0)
		snprintf(iat, sizeof(iat), "%" PRId64, q->iat);
	if (q->use_key != NULL && q->use_until != 0)
		snprintf(until, sizeof(until), "%" PRId64, q->use_until + 1);
	snprintf(now, sizeof(now), "%" PRId64, q->now);
	/* Only the key written is declared: see the comment at the top. */
	argv[argc++] = "EVAL";
	argv[argc++] = check_script;
	argv[argc++] = q->use_key != NULL ? "1" : "0";
	if (q->use_key != NULL)
		argv[argc++] = kuse;
	argv[argc++] = iat;
	argv[argc++] = q->fp != NULL ? "1" : "0";
	argv[argc++] = q->use_key != NULL ? "1" : "0";
	argv[argc++] = until;
	argv[argc++] = now;
	argv[argc++] = krid;
	if (q->fp != NULL)
		argv[argc++] = ktok;
	for (k = 0; k < argc; k++)
		len[k] = strlen(argv[k]);
	r = AT_ERR_NOMEM;
	if (!rd_append(s, argc, argv, len))
		goto out;
	if ((r = rd_replies(s, "check", deadline, &rep, 1)) != AT_OK)
		goto out;
	if ((r = rd_reply_ok(s, "check", rep)) != AT_OK)
		goto out;
	r = AT_ERR_STORE;
	if (rep->type != REDIS_REPLY_INTEGER) {
		r = rd_unexpected(s, "check", rep);
		goto out;
	}
	switch (rep->integer) {
	case 0:
		r = AT_OK;
		break;
	case 1:
	case 2:
		r = AT_ERR_REVOKED;
		break;
	case 3:
		r = AT_ERR_REPLAYED;
		break;
	default:
		rd_fail(s, "check: unexpected answer from the script", NULL);
		break;
	}
out:
	if (rep != NULL)
		hr.freeReplyObject(rep);
	return r;
}

static enum at_err
rd_revoke(struct at_store *s, const struct at_revocation *r)
{
	char key[RD_MAX_KEY + 1], val[24], created[24], expat[24] = "0";
	char *reason = NULL, *sub = NULL;
	const char *argv[11];
	size_t len[11];
	redisReply *rep = NULL;
	int i;
	bool token = r->kind == AT_REVOKE_TOKEN;
	int64_t deadline = rd_now_ms() + s->timeout_ms;
	enum at_err e = AT_ERR_INTERNAL;

	if (!rd_key(s, key, token ? "rtok:" : "rid:", r->id))
		goto out;
	snprintf(val, sizeof(val), "%" PRId64, token ? r->expires : r->before);
	snprintf(created, sizeof(created), "%" PRId64, r->created);
	if (token && r->expires != 0)
		snprintf(expat, sizeof(expat), "%" PRId64,
			 r->expires < INT64_MAX ? r->expires + 1 : r->expires);
	e = AT_ERR_NOMEM;
	/* asprintf() leaves its pointer undefined when it fails: reset
	 * only that one, so that a reason already made is freed. */
	if (r->reason != NULL && asprintf(&reason, "+%s", r->reason) < 0) {
		reason = NULL;
		goto out;
	}
	if (token && r->sub != NULL && asprintf(&sub, "+%s", r->sub) < 0) {
		sub = NULL;
		goto out;
	}
	argv[0] = "EVAL";
	argv[1] = revoke_script;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = token ? "expires" : "before";
	argv[5] = val;
	argv[6] = created;
	argv[7] = reason != NULL ? reason : "";
	argv[8] = sub != NULL ? sub : "";
	argv[9] = expat;
	for (i = 0; i < 10; i++)
		len[i] = strlen(argv[i]);
	if (!rd_append(s, 10, argv, len))
		goto out;
	if ((e = rd_replies(s, "revoke", deadline, &rep, 1)) != AT_OK)
		goto out;
	if ((e = rd_reply_ok(s, "revoke", rep)) != AT_OK)
		goto out;
	if (rep->type != REDIS_REPLY_INTEGER || rep->integer != 0) {
		e = rd_unexpected(s, "revoke", rep);
		goto out;
	}
	e = AT_OK;
out:
	if (rep != NULL)
		hr.freeReplyObject(rep);
	free(reason);
	free(sub);
	return e;
}

static enum at_err
rd_unrevoke(struct at_store *s, enum at_revocation_kind kind, const char *id,
	    bool *found)
{
	char key[RD_MAX_KEY + 1];
	const char *argv[2];
	size_t len[2];
	redisReply *rep = NULL;
	int64_t deadline = rd_now_ms() + s->timeout_ms;
	enum at_err r = AT_ERR_INTERNAL;

	*found = false;
	if ((kind != AT_REVOKE_SUB && kind != AT_REVOKE_TOKEN) ||
	    !rd_key(s, key, kind == AT_REVOKE_TOKEN ? "rtok:" : "rid:", id))
		goto out;
	argv[0] = "DEL";
	argv[1] = key;
	len[0] = 3;
	len[1] = strlen(key);
	r = AT_ERR_NOMEM;
	if (!rd_append(s, 2, argv, len))
		goto out;
	if ((r = rd_replies(s, "unrevoke", deadline, &rep, 1)) != AT_OK)
		goto out;
	if ((r = rd_reply_ok(s, "unrevoke", rep)) != AT_OK)
		goto out;
	if (rep->type != REDIS_REPLY_INTEGER || rep->integer < 0 ||
	    rep->integer > 1) {
		r = rd_unexpected(s, "unrevoke", rep);
		goto out;
	}
	*found = rep->integer == 1;
	r = AT_OK;
out:
	if (rep != NULL)
		hr.freeReplyObject(rep);
	return r;
}

/* ------------------------------------------------------------------ */
/* Listing */

struct rd_list {
	struct at_revocation *v;
	size_t n, cap;
};

static bool
rd_decimal(const redisReply *v, int64_t *out)
{
	uint64_t x;

	if (v->type != REDIS_REPLY_STRING || v->str == NULL ||
	    !at_parse_decimal(v->str, v->len, INT64_MAX, &x))
		return false;
	*out = (int64_t)x;
	return true;
}

static bool
rd_text(const redisReply *v, size_t max, char **out)
{
	if (v->type != REDIS_REPLY_STRING || v->str == NULL || v->len > max ||
	    strlen(v->str) != v->len || !at_str_printable(v->str, v->len))
		return false;
	free(*out);
	*out = strdup(v->str);
	return *out != NULL;
}

/*
 * One HGETALL reply for the key whose id part is id (idlen bytes) into
 * l.  An empty hash is a key that expired since SCAN saw it: skipped.
 */
static enum at_err
rd_list_add(struct at_store *s, struct rd_list *l, enum at_revocation_kind kind,
	    const char *id, size_t idlen, const redisReply *h, time_t now)
{
	struct at_revocation x = {0};
	struct at_revocation *nv;
	bool have_val = false, have_created = false;
	size_t i;
	const char *k;
	char v[RD_MSG_SIZE], line[RD_MSG_SIZE + 64];
	enum at_err r = AT_ERR_STORE;

	x.kind = kind;
	if (h->type != REDIS_REPLY_ARRAY || h->elements % 2 != 0)
		return rd_unexpected(s, "list", h);
	if (h->elements == 0)
		return AT_OK;
	if (idlen == 0 || idlen > AT_MAX_SUB || strlen(id) != idlen ||
	    !at_str_printable(id, idlen)) {
		rd_fail(s,
			"list: a key under the prefix holds an id this "
			"program would not write",
			id);
		return AT_ERR_STORE;
	}
	for (i = 0; i < h->elements; i += 2) {
		if (h->element[i]->type != REDIS_REPLY_STRING)
			goto bad;
		k = h->element[i]->str;
		if (strcmp(k, kind == AT_REVOKE_SUB ? "before" : "expires") ==
		    0) {
			if (!rd_decimal(h->element[i + 1],
					kind == AT_REVOKE_SUB ? &x.before
							      : &x.expires))
				goto bad;
			have_val = true;
		} else if (strcmp(k, "created") == 0) {
			if (!rd_decimal(h->element[i + 1], &x.created))
				goto bad;
			have_created = true;
		} else if (strcmp(k, "reason") == 0) {
			if (!rd_text(h->element[i + 1], AT_STORE_MAX_REASON,
				     &x.reason))
				goto bad;
		} else if (strcmp(k, "sub") == 0 && kind == AT_REVOKE_TOKEN) {
			if (!rd_text(h->element[i + 1], AT_MAX_SUB, &x.sub))
				goto bad;
		}
		/* Other fields: a later version's; ignored. */
	}
	if (!have_val || !have_created)
		goto bad;
	/* A token revocation past its expiry is no longer in force. */
	if (kind == AT_REVOKE_TOKEN && x.expires != 0 &&
	    x.expires < (int64_t)now) {
		r = AT_OK;
		goto out;
	}
	r = AT_ERR_NOMEM;
	if ((x.id = strndup(id, idlen)) == NULL)
		goto out;
	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 64 : l->cap * 2;

		if ((nv = reallocarray(l->v, cap, sizeof(*nv))) == NULL)
			goto out;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = x;
	return AT_OK;
bad:
	snprintf(line, sizeof(line), "list: malformed revocation %s",
		 at_log_value(v, sizeof(v), id));
	rd_fail(s, line, NULL);
	r = AT_ERR_STORE;
out:
	free(x.id);
	free(x.reason);
	free(x.sub);
	return r;
}

static int
rd_list_cmp(const void *a, const void *b)
{
	const struct at_revocation *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind == AT_REVOKE_SUB ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* A glob pattern matching the prefix literally (SCAN MATCH). */
static bool
rd_glob_prefix(const char *prefix, char *out, size_t size)
{
	size_t o = 0;

	for (; *prefix != '\0'; prefix++) {
		if (o + 3 > size)
			return false;
		if (strchr("*?[]\\^", *prefix) != NULL)
			out[o++] = '\\';
		out[o++] = *prefix;
	}
	if (o + 3 > size)
		return false;
	out[o++] = 'r';
	out[o++] = '*';
	out[o] = '\0';
	return true;
}

static enum at_err
rd_list(struct at_store *s, time_t now, struct at_revocation **list, size_t *n)
{
	struct rd_list l = {NULL, 0, 0};
	char cursor[32] = "0", pattern[2 * AT_STORE_MAX_PREFIX + 4];
	const char *argv[6];
	size_t len[6], plen = strlen(s->prefix), i, j, nk = 0, seen = 0;
	redisReply *scan = NULL, **hrep = NULL;
	const redisReply *keys, *kr;
	enum at_revocation_kind *kinds = NULL;
	size_t *offs = NULL, *idx = NULL;
	int64_t deadline;
	enum at_err r = AT_ERR_INTERNAL;

	*list = NULL;
	*n = 0;
	if (!rd_glob_prefix(s->prefix, pattern, sizeof(pattern)))
		goto out;
	do {
		deadline = rd_now_ms() + s->timeout_ms;
		argv[0] = "SCAN";
		argv[1] = cursor;
		argv[2] = "MATCH";
		argv[3] = pattern;
		argv[4] = "COUNT";
		argv[5] = RD_SCAN_COUNT;
		for (i = 0; i < 6; i++)
			len[i] = strlen(argv[i]);
		r = AT_ERR_NOMEM;
		if (!rd_append(s, 6, argv, len))
			goto out;
		if ((r = rd_replies(s, "list", deadline, &scan, 1)) != AT_OK)
			goto out;
		if ((r = rd_reply_ok(s, "list: SCAN", scan)) != AT_OK)
			goto out;
		if (scan->type != REDIS_REPLY_ARRAY || scan->elements != 2 ||
		    scan->element[0]->type != REDIS_REPLY_STRING ||
		    scan->element[0]->len == 0 ||
		    scan->element[0]->len >= sizeof(cursor) ||
		    scan->element[1]->type != REDIS_REPLY_ARRAY) {
			r = rd_unexpected(s, "list: SCAN", scan);
			goto out;
		}
		keys = scan->element[1];
		/* The revocations among the keys, their HGETALLs pipelined. */
		r = AT_ERR_NOMEM;
		if (keys->elements > 0 &&
		    ((kinds = calloc(keys->elements, sizeof(*kinds))) == NULL ||
		     (offs = calloc(keys->elements, sizeof(*offs))) == NULL ||
		     (idx = calloc(keys->elements, sizeof(*idx))) == NULL ||
		     (hrep = calloc(keys->elements, sizeof(*hrep))) == NULL))
			goto out;
		nk = 0;
		for (i = 0; i < keys->elements; i++) {
			kr = keys->element[i];
			if (kr->type != REDIS_REPLY_STRING) {
				r = rd_unexpected(s, "list: SCAN", kr);
				goto out;
			}
			if (kr->len <= plen ||
			    memcmp(kr->str, s->prefix, plen) != 0)
				continue;
			if (kr->len > plen + 4 &&
			    memcmp(kr->str + plen, "rid:", 4) == 0) {
				kinds[nk] = AT_REVOKE_SUB;
				offs[nk] = plen + 4;
			} else if (kr->len > plen + 5 &&
				   memcmp(kr->str + plen, "rtok:", 5) == 0) {
				kinds[nk] = AT_REVOKE_TOKEN;
				offs[nk] = plen + 5;
			} else {
				continue;
			}
			if (++seen > RD_MAX_LIST) {
				/* Queued, never sent: the connection is
				 * left unusable on purpose. */
				((struct rd *)s->be)->broken = true;
				at_log(s->log, LOG_ERR,
				       "store: redis %s: list: more than %d "
				       "revocations under the prefix; "
				       "refusing to list them all",
				       ((struct rd *)s->be)->where,
				       RD_MAX_LIST);
				r = AT_ERR_STORE;
				goto out;
			}
			argv[0] = "HGETALL";
			argv[1] = kr->str;
			len[0] = 7;
			len[1] = kr->len;
			if (!rd_append(s, 2, argv, len))
				goto out;
			idx[nk++] = i;
		}
		if (nk > 0 &&
		    (r = rd_replies(s, "list", deadline, hrep, nk)) != AT_OK)
			goto out;
		for (j = 0; j < nk; j++) {
			kr = keys->element[idx[j]];
			if ((r = rd_reply_ok(s, "list: HGETALL", hrep[j])) !=
				    AT_OK ||
			    (r = rd_list_add(s, &l, kinds[j], kr->str + offs[j],
					     kr->len - offs[j], hrep[j],
					     now)) != AT_OK)
				goto out;
		}
		memcpy(cursor, scan->element[0]->str, scan->element[0]->len);
		cursor[scan->element[0]->len] = '\0';
		rd_free_replies(hrep, nk);
		free(hrep);
		free(kinds);
		free(offs);
		free(idx);
		hrep = NULL;
		kinds = NULL;
		offs = NULL;
		idx = NULL;
		nk = 0;
		hr.freeReplyObject(scan);
		scan = NULL;
	} while (strcmp(cursor, "0") != 0);
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), rd_list_cmp);
	/* SCAN may return a key twice. */
	for (i = 0, j = 0; i < l.n; i++) {
		if (j > 0 && rd_list_cmp(&l.v[j - 1], &l.v[i]) == 0) {
			free(l.v[i].id);
			free(l.v[i].reason);
			free(l.v[i].sub);
			continue;
		}
		l.v[j++] = l.v[i];
	}
	l.n = j;
	*list = l.v;
	*n = l.n;
	l.v = NULL;
	l.n = 0;
	r = AT_OK;
out:
	if (hrep != NULL)
		rd_free_replies(hrep, nk);
	free(hrep);
	free(kinds);
	free(offs);
	free(idx);
	if (scan != NULL)
		hr.freeReplyObject(scan);
	at_revocations_free(l.v, l.n);
	return r;
}

/* ------------------------------------------------------------------ */
/* `agentictrust check` */

/* The value of a CONFIG GET reply ([name, value]), or NULL. */
static const char *
rd_config_value(const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[1]->type != REDIS_REPLY_STRING)
		return NULL;
	return rep->element[1]->str;
}

static void rd_report(at_store_report_fn fn, void *ctx, bool warn,
		      const char *fmt, ...) AT_PRINTF(4, 5);

static void
rd_report(at_store_report_fn fn, void *ctx, bool warn, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fn(ctx, warn, text);
}

static enum at_err
rd_probe(struct at_store *s, at_store_report_fn fn, void *ctx)
{
	static const char *const names[3] = {"maxmemory-policy", "appendonly",
					     "save"};
	const char *argv[3], *val[3] = {NULL, NULL, NULL};
	size_t len[3], i;
	redisReply *rep[4] = {NULL, NULL, NULL, NULL};
	char v[RD_MSG_SIZE], ver[32];
	const char *p, *e;
	int64_t deadline = rd_now_ms() + s->timeout_ms;
	enum at_err r = AT_ERR_NOMEM;

	for (i = 0; i < 3; i++) {
		argv[0] = "CONFIG";
		argv[1] = "GET";
		argv[2] = names[i];
		len[0] = 6;
		len[1] = 3;
		len[2] = strlen(names[i]);
		if (!rd_append(s, 3, argv, len))
			goto out;
	}
	argv[0] = "INFO";
	argv[1] = "server";
	len[0] = 4;
	len[1] = 6;
	if (!rd_append(s, 2, argv, len))
		goto out;
	if ((r = rd_replies(s, "probe", deadline, rep, 4)) != AT_OK)
		goto out;
	for (i = 0; i < 3; i++) {
		/* An ACL user without +config is normal: not an error. */
		if (rep[i]->type == REDIS_REPLY_ERROR)
			rd_report(fn, ctx, true,
				  "could not read %s (%s); check it by hand",
				  names[i],
				  at_log_value(v, sizeof(v), rep[i]->str));
		else if ((val[i] = rd_config_value(rep[i])) == NULL)
			rd_report(fn, ctx, true,
				  "could not read %s (no such setting); "
				  "check it by hand",
				  names[i]);
	}
	if (val[0] != NULL && strcmp(val[0], "noeviction") == 0)
		rd_report(fn, ctx, false, "maxmemory-policy noeviction");
	else if (val[0] != NULL)
		rd_report(fn, ctx, true,
			  "maxmemory-policy is %s, not noeviction: an evicted "
			  "key re-opens a replay window and forgets "
			  "revocations",
			  at_log_value(v, sizeof(v), val[0]));
	if (val[1] != NULL && val[2] != NULL) {
		if (strcmp(val[1], "yes") == 0)
			rd_report(fn, ctx, false, "persistence: AOF on");
		if (val[2][0] != '\0')
			rd_report(fn, ctx, false, "persistence: RDB save %s",
				  at_log_value(v, sizeof(v), val[2]));
		if (strcmp(val[1], "yes") != 0 && val[2][0] == '\0')
			rd_report(fn, ctx, true,
				  "no persistence (appendonly no, save \"\"): "
				  "a restart forgets every revocation and "
				  "every used token");
	}
	if (rep[3]->type == REDIS_REPLY_ERROR) {
		rd_report(fn, ctx, true, "could not read INFO server (%s)",
			  at_log_value(v, sizeof(v), rep[3]->str));
	} else if (rep[3]->type == REDIS_REPLY_STRING &&
		   (p = strstr(rep[3]->str, "redis_version:")) != NULL) {
		p += strlen("redis_version:");
		e = p + strcspn(p, "\r\n");
		snprintf(ver, sizeof(ver), "%.*s",
			 (int)(e - p < 31 ? e - p : 31), p);
		rd_report(fn, ctx, false, "redis version %s",
			  at_log_value(v, sizeof(v), ver));
	} else {
		rd_report(fn, ctx, true, "could not read the redis version");
	}
	r = AT_OK;
out:
	rd_free_replies(rep, 4);
	return r;
}

static void
rd_close(struct at_store *s)
{
	struct rd *be = s->be;

	if (be == NULL)
		return;
	hr.redisFree(be->c);
	free(be);
	s->be = NULL;
}

/*
 * Whoever listens on the socket's path receives AUTH with the password
 * and answers "not revoked": check, before connecting, that only a
 * trusted user could have put a socket there.
 *   - Every directory above the socket's is walked from "/" as a secret
 *     file's are (at_path_open_dir(): owned by root or us, not group or
 *     other writable unless root's sticky one, links only root's or
 *     ours): whoever owns one of them, or a link on the path, chooses
 *     where the path leads.
 *   - The socket's directory itself is not a link, not writable by
 *     others (sticky or not: in /tmp any user may bind /tmp/redis.sock
 *     while redis-server is down); its owner and group may write it
 *     (Debian's /run/redis is redis:redis 2775).  In root's sticky
 *     directory (/tmp) anyone may have made it: there it must be root's
 *     or ours.
 *   - A socket already there must be a socket (not a link to one) owned
 *     by root, by us, or by the directory's owner.
 * After connect(), rd_peer_safe() asks the kernel who listens (the same
 * three), so that a socket swapped between this check and the connect
 * (by the directory's group) is refused before AUTH.  A directory or
 * socket that does not exist (Redis is down) is left to connect(), which
 * says why (store_unavailable).  The URL's path is absolute, without "."
 * or ".." (at_store_url.c).  AT_OK with *owner the directory's owner, or
 * AT_ERR_STORE with one line.
 */
static enum at_err
rd_unix_safe(struct at_store *s, const char *path, uid_t *owner)
{
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)], v[RD_MSG_SIZE];
	const char *slash = strrchr(path, '/'), *name = NULL;
	struct stat ds, ss;
	uid_t euid = geteuid();
	bool sticky = false;
	int pfd = -1, dfd = -1;
	enum at_err r = AT_ERR_STORE;

	*owner = euid;
	if (slash == NULL || slash == path) {
		/* The socket in "/" (no directory above to walk). */
		if ((pfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			rd_fail(s, "the socket's directory", strerror(errno));
			goto out;
		}
		dfd = pfd;
		pfd = -1;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (at_path_open_dir(dir, "store: redis socket directory", euid,
				     true, s->log, &pfd, &name,
				     &sticky) != AT_OK)
			goto out; /* logged: the directory or link, and why */
		if (pfd < 0) {
			r = AT_OK; /* a directory missing: connect() says */
			goto out;
		}
		dfd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0) {
			if (errno == ENOENT)
				r = AT_OK;
			else
				rd_fail(s, "the socket's directory",
					strerror(errno));
			goto out;
		}
	}
	if (fstat(dfd, &ds) != 0) {
		rd_fail(s, "the socket's directory", strerror(errno));
		goto out;
	}
	if (!S_ISDIR(ds.st_mode)) {
		rd_fail(s,
			S_ISLNK(ds.st_mode)
				? "the socket's directory is a symbolic link"
				: "the socket's directory is not a directory",
			NULL);
		goto out;
	}
	if ((ds.st_mode & S_IWOTH) != 0) {
		at_log(s->log, LOG_ERR,
		       "store: redis %s: socket directory %s is writable by "
		       "others (owner uid %lu, mode %04o): any local user "
		       "could listen there in Redis's place; use a directory "
		       "only root or redis may write, as /run/redis",
		       ((struct rd *)s->be)->where,
		       at_log_value(v, sizeof(v), slash == path ? "/" : dir),
		       (unsigned long)ds.st_uid,
		       (unsigned int)(ds.st_mode & 07777));
		goto out;
	}
	if (sticky && ds.st_uid != 0 && ds.st_uid != euid) {
		at_log(s->log, LOG_ERR,
		       "store: redis %s: socket directory %s is owned by uid "
		       "%lu in a world-writable sticky directory, where any "
		       "local user could have made it; use a directory only "
		       "root or redis may write, as /run/redis",
		       ((struct rd *)s->be)->where,
		       at_log_value(v, sizeof(v), dir),
		       (unsigned long)ds.st_uid);
		goto out;
	}
	*owner = ds.st_uid;
	if (fstatat(dfd, slash == NULL ? path : slash + 1, &ss,
		    AT_SYMLINK_NOFOLLOW) != 0) {
		r = AT_OK; /* no socket: connect() says why */
		goto out;
	}
	if (!S_ISSOCK(ss.st_mode)) {
		at_log(s->log, LOG_ERR,
		       "store: redis %s: not a socket (file mode %06o)",
		       ((struct rd *)s->be)->where, (unsigned int)ss.st_mode);
		goto out;
	}
	if (ss.st_uid != 0 && ss.st_uid != euid && ss.st_uid != ds.st_uid) {
		at_log(s->log, LOG_ERR,
		       "store: redis %s: socket owned by uid %lu, not root, "
		       "uid %lu or the owner of %s (uid %lu)",
		       ((struct rd *)s->be)->where, (unsigned long)ss.st_uid,
		       (unsigned long)euid,
		       at_log_value(v, sizeof(v), slash == path ? "/" : dir),
		       (unsigned long)ds.st_uid);
		goto out;
	}
	r = AT_OK;
out:
	if (dfd >= 0)
		close(dfd);
	if (pfd >= 0)
		close(pfd);
	return r;
}

/* Who listens on the connected socket: root, us or owner (above). */
static enum at_err
rd_peer_safe(struct at_store *s, int fd, uid_t owner)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
	    len != sizeof(cr)) {
		rd_fail(s, "cannot tell who listens on the socket",
			strerror(errno));
		return AT_ERR_STORE;
	}
	if (cr.uid != 0 && cr.uid != geteuid() && cr.uid != owner) {
		at_log(s->log, LOG_ERR,
		       "store: redis %s: the socket is served by uid %lu, not "
		       "root, uid %lu or the socket directory's owner (uid "
		       "%lu)",
		       ((struct rd *)s->be)->where, (unsigned long)cr.uid,
		       (unsigned long)geteuid(), (unsigned long)owner);
		return AT_ERR_STORE;
	}
	return AT_OK;
}

static const struct at_store_ops rd_ops = {
	.name = "redis",
	.check = rd_check,
	.revoke = rd_revoke,
	.unrevoke = rd_unrevoke,
	.list = rd_list,
	.probe = rd_probe,
	.close = rd_close,
};

enum at_err
at_store_redis_open(struct at_store *s, const struct at_store_url *u,
		    const char *password, size_t passwordlen)
{
	struct rd *be = NULL;
	struct timeval tv;
	struct sockaddr_un sa;
	char v[RD_MSG_SIZE];
	int64_t deadline = rd_now_ms() + s->timeout_ms;
	uid_t owner = 0;
	int fl;
	enum at_err r = AT_ERR_STORE;

	if (pthread_once(&hr_once, hr_load) != 0 ||
	    at_store_lib_ready(&hr_lib, s->log) != AT_OK)
		goto out;
	r = AT_ERR_NOMEM;
	if ((be = calloc(1, sizeof(*be))) == NULL)
		goto out;
	s->be = be;
	if (u->kind == AT_STORE_REDIS_UNIX && u->path != NULL)
		snprintf(be->where, sizeof(be->where), "%s",
			 at_log_value(v, sizeof(v), u->path));
	else if (u->kind == AT_STORE_REDIS_TCP && u->host != NULL)
		snprintf(be->where, sizeof(be->where),
			 strchr(u->host, ':') != NULL ? "[%s]:%u" : "%s:%u",
			 u->host, u->port);
	else {
		r = AT_ERR_INTERNAL;
		goto out;
	}
	if (u->tls) {
		rd_fail(s, "rediss:// needs a hiredis with TLS", NULL);
		r = AT_ERR_CONFIG;
		goto out;
	}
	if (u->user != NULL && password == NULL) {
		rd_fail(s,
			"the URL names an ACL user but no "
			"store_password_file= is set",
			NULL);
		r = AT_ERR_CONFIG;
		goto out;
	}
	tv.tv_sec = (time_t)(s->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(s->timeout_ms % 1000) * 1000;
	if (u->kind == AT_STORE_REDIS_UNIX) {
		/* hiredis would cut a longer path with strncpy(). */
		if (strlen(u->path) >= sizeof(sa.sun_path)) {
			rd_fail(s, "socket path too long", NULL);
			r = AT_ERR_CONFIG;
			goto out;
		}
		if ((r = rd_unix_safe(s, u->path, &owner)) != AT_OK)
			goto out;
		be->c = hr.redisConnectUnixWithTimeout(u->path, tv);
	} else {
		be->c = hr.redisConnectWithTimeout(u->host, (int)u->port, tv);
	}
	if (be->c == NULL) {
		rd_fail(s, "cannot connect", "out of memory");
		goto out;
	}
	if (be->c->err != 0) {
		be->broken = true;
		rd_fail(s, "cannot connect", be->c->errstr);
		r = be->c->err == REDIS_ERR_OOM ? AT_ERR_NOMEM
						: AT_ERR_STORE_UNAVAILABLE;
		goto out;
	}
	/* hiredis 0.14 makes its socket without SOCK_CLOEXEC. */
	if ((fl = fcntl(be->c->fd, F_GETFD)) >= 0)
		(void)fcntl(be->c->fd, F_SETFD, fl | FD_CLOEXEC);
	if (u->kind == AT_STORE_REDIS_UNIX &&
	    (r = rd_peer_safe(s, be->c->fd, owner)) != AT_OK)
		goto out;
	if ((r = rd_login(s, u, password, passwordlen, deadline)) != AT_OK)
		goto out;
	s->ops = &rd_ops;
	be = NULL;
	r = AT_OK;
out:
	if (be != NULL) {
		if (be->c != NULL)
			hr.redisFree(be->c);
		free(be);
		s->be = NULL;
	}
	return r;
}
