/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_config.c - module options: defaults, the config file, then pam.d
 * arguments over it (pam-u2f cfg_init, pam_faillock args_parse).  Every
 * unknown key or malformed value is an error: a typo in a security
 * module's configuration must not silently weaken it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "at_store.h"

void
at_config_init(struct at_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = AT_MODE_ANY;
	cfg->leeway = AT_DEFAULT_LEEWAY;
	cfg->store_timeout_ms = AT_STORE_DEFAULT_TIMEOUT_MS;
}

void
at_config_clear(struct at_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->config_file);
	free(cfg->secret_file);
	free(cfg->hmac_secret_file);
	free(cfg->jwt_secret_file);
	free(cfg->issuer);
	free(cfg->audience);
	free(cfg->user_map);
	free(cfg->prompt);
	free(cfg->store);
	free(cfg->store_password_file);
	free(cfg->store_prefix);
	at_config_init(cfg);
}

const char *
at_mode_name(enum at_mode mode)
{
	switch (mode) {
	case AT_MODE_JWT:
		return "jwt";
	case AT_MODE_HMAC:
		return "hmac";
	case AT_MODE_ANY:
		break;
	}
	return "any";
}

bool
at_mode_allows(enum at_mode mode, enum at_method method)
{
	switch (method) {
	case AT_METHOD_HMAC:
		return mode == AT_MODE_ANY || mode == AT_MODE_HMAC;
	case AT_METHOD_JWT:
		return mode == AT_MODE_ANY || mode == AT_MODE_JWT;
	case AT_METHOD_NONE:
		break;
	}
	return false;
}

const char *
at_config_secret_file(const struct at_config *cfg, enum at_method method,
		      const char **option)
{
	const char *own = NULL, *name = NULL;

	if (option != NULL)
		*option = NULL;
	if (!at_mode_allows(cfg->mode, method))
		return NULL;
	if (method == AT_METHOD_HMAC) {
		own = cfg->hmac_secret_file;
		name = "hmac_secret_file";
	} else {
		own = cfg->jwt_secret_file;
		name = "jwt_secret_file";
	}
	/* A method's own file is its only source: secret_file serves the
	 * methods that have none. */
	if (own == NULL) {
		own = cfg->secret_file;
		name = "secret_file";
	}
	if (option != NULL && own != NULL)
		*option = name;
	return own;
}

/* Parse a decimal number in [min, max]: digits only, no sign, no space. */
static bool
parse_ulong(const char *s, unsigned long min, unsigned long max,
	    unsigned long *out)
{
	unsigned long v;
	char *end = NULL;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* A flag: bare in pam.d ("debug"), or "true"/"false" as a value. */
static bool
parse_flag(const char *value, bool *out)
{
	if (value == NULL || strcmp(value, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(value, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* Replace *field with a copy of value. */
static enum at_err
set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return AT_ERR_NOMEM;
	free(*field);
	*field = copy;
	return AT_OK;
}

/*
 * A module argument (key or value) as the log shows it: in double quotes,
 * as written when it is printable ASCII, else escaped as at_log_value()
 * escapes (\xHH), so that no control byte reaches the log; at most about
 * 64 characters.
 */
static const char *
shown_arg(char *buf, size_t size, const char *s)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return at_log_value(buf, size, s);
	snprintf(buf, size, "\"%.64s\"", s);
	return buf;
}

/*
 * at_config_set(); show: the value may appear in the log (a module
 * argument).  A config file's words never do: the file may be something
 * else (config=/etc/mysql/debian.cnf), and its caller names the line.
 */
static enum at_err
config_set(struct at_config *cfg, const char *key, const char *value,
	   bool show, const struct at_log *log)
{
	unsigned long n;
	bool *flag = NULL;
	char **path = NULL, **text = NULL, buf[72];

	if (strcmp(key, "debug") == 0)
		flag = &cfg->debug;
	else if (strcmp(key, "allow_no_exp") == 0)
		flag = &cfg->allow_no_exp;
	else if (strcmp(key, "use_first_pass") == 0)
		flag = &cfg->use_first_pass;
	else if (strcmp(key, "try_first_pass") == 0)
		flag = &cfg->try_first_pass;
	else if (strcmp(key, "allow_system_users") == 0)
		flag = &cfg->allow_system_users;
	else if (strcmp(key, "single_use") == 0)
		flag = &cfg->single_use;
	else if (strcmp(key, "store_password_file") == 0)
		path = &cfg->store_password_file;
	else if (strcmp(key, "secret_file") == 0)
		path = &cfg->secret_file;
	else if (strcmp(key, "hmac_secret_file") == 0)
		path = &cfg->hmac_secret_file;
	else if (strcmp(key, "jwt_secret_file") == 0)
		path = &cfg->jwt_secret_file;
	else if (strcmp(key, "user_map") == 0)
		path = &cfg->user_map;
	else if (strcmp(key, "config") == 0)
		path = &cfg->config_file;
	else if (strcmp(key, "issuer") == 0)
		text = &cfg->issuer;
	else if (strcmp(key, "audience") == 0)
		text = &cfg->audience;
	else if (strcmp(key, "prompt") == 0)
		text = &cfg->prompt;

	if (flag != NULL) {
		if (!parse_flag(value, flag))
			goto bad_value;
		return AT_OK;
	}
	if (path != NULL) {
		/* Every message about the file prints its path. */
		if (value == NULL || value[0] != '/' ||
		    strlen(value) > AT_MAX_LINE ||
		    !at_str_printable(value, strlen(value)))
			goto bad_value;
		return set_string(path, value);
	}
	if (text != NULL) {
		if (value == NULL || value[0] == '\0' ||
		    strlen(value) > AT_MAX_CLAIM ||
		    !at_str_printable(value, strlen(value)))
			goto bad_value;
		return set_string(text, value);
	}
	if (strcmp(key, "mode") == 0) {
		if (value == NULL)
			goto bad_value;
		if (strcmp(value, "any") == 0)
			cfg->mode = AT_MODE_ANY;
		else if (strcmp(value, "jwt") == 0)
			cfg->mode = AT_MODE_JWT;
		else if (strcmp(value, "hmac") == 0)
			cfg->mode = AT_MODE_HMAC;
		else
			goto bad_value;
		return AT_OK;
	}
	if (strcmp(key, "leeway") == 0) {
		if (!parse_ulong(value, 0, AT_MAX_LEEWAY, &n))
			goto bad_value;
		cfg->leeway = (unsigned int)n;
		return AT_OK;
	}
	if (strcmp(key, "store") == 0) {
		struct at_store_url u;
		enum at_err r;

		/* Parsed now so that a bad URL is a load-time error; the
		 * parser logs why, never the URL's user part. */
		if (value == NULL)
			goto bad_value;
		r = at_store_url_parse(value, log, &u);
		at_store_url_clear(&u);
		if (r != AT_OK) {
			if (r == AT_ERR_CONFIG)
				at_log(log, LOG_ERR, "option store: rejected");
			return r;
		}
		return set_string(&cfg->store, value);
	}
	if (strcmp(key, "store_prefix") == 0) {
		size_t i;

		/* Redis key names: kept to characters no ACL pattern or
		 * log reader treats specially. */
		if (value == NULL || value[0] == '\0' ||
		    strlen(value) > AT_STORE_MAX_PREFIX)
			goto bad_value;
		for (i = 0; value[i] != '\0'; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789:_.-",
				   value[i]) == NULL)
				goto bad_value;
		return set_string(&cfg->store_prefix, value);
	}
	if (strcmp(key, "store_timeout_ms") == 0) {
		if (!parse_ulong(value, 1, AT_STORE_MAX_TIMEOUT_MS, &n))
			goto bad_value;
		cfg->store_timeout_ms = (unsigned int)n;
		return AT_OK;
	}
	if (strcmp(key, "store_unavailable") == 0) {
		if (value != NULL && strcmp(value, "deny") == 0)
			cfg->store_unavailable_allow = false;
		else if (value != NULL && strcmp(value, "allow") == 0)
			cfg->store_unavailable_allow = true;
		else
			goto bad_value;
		return AT_OK;
	}
	if (strcmp(key, "accounts") == 0) {
		if (value != NULL && strcmp(value, "unix") == 0)
			cfg->accounts_any = false;
		else if (value != NULL && strcmp(value, "any") == 0)
			cfg->accounts_any = true;
		else
			goto bad_value;
		return AT_OK;
	}
	if (strcmp(key, "max_ttl") == 0) {
		if (!parse_ulong(value, 1, AT_MAX_TTL_LIMIT, &n))
			goto bad_value;
		cfg->max_ttl = n;
		return AT_OK;
	}
	if (show)
		at_log(log, LOG_ERR, "unknown option %s",
		       shown_arg(buf, sizeof(buf), key));
	else
		at_log(log, LOG_ERR, "unknown option");
	return AT_ERR_CONFIG;
bad_value:
	/* An argument is configuration, not a secret: safe to show,
	 * bounded and escaped.  key is one of the names above. */
	if (show)
		at_log(log, LOG_ERR, "option %s: malformed value %s", key,
		       value != NULL ? shown_arg(buf, sizeof(buf), value)
				     : "\"(none)\"");
	else
		at_log(log, LOG_ERR, "option %s: malformed value", key);
	return AT_ERR_CONFIG;
}

enum at_err
at_config_set(struct at_config *cfg, const char *key, const char *value,
	      const struct at_log *log)
{
	return config_set(cfg, key, value, true, log);
}

/*
 * One "key = value" line of the config file.  Blank and '#' lines are
 * skipped.  Every key takes a value here, flags as true/false.
 */
static enum at_err
config_file_line(struct at_config *cfg, const char *line, size_t len,
		 const char *path, unsigned int lineno,
		 const struct at_log *log)
{
	enum at_err r = AT_ERR_CONFIG;
	const char *eq, *k = line, *v;
	size_t klen, vlen;
	char *key = NULL, *value = NULL;

	at_trim(&k, &len);
	if (len == 0 || k[0] == '#')
		return AT_OK;
	eq = memchr(k, '=', len);
	if (eq == NULL) {
		at_log(log, LOG_ERR, "%s:%u: expected key = value", path,
		       lineno);
		goto out;
	}
	klen = (size_t)(eq - k);
	v = eq + 1;
	vlen = len - klen - 1;
	at_trim(&k, &klen);
	at_trim(&v, &vlen);
	if (klen == 0 || vlen == 0) {
		at_log(log, LOG_ERR, "%s:%u: empty key or value", path,
		       lineno);
		goto out;
	}
	if ((key = strndup(k, klen)) == NULL ||
	    (value = strndup(v, vlen)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	if (strcmp(key, "config") == 0) {
		at_log(log, LOG_ERR, "%s:%u: config cannot be set in a file",
		       path, lineno);
		goto out;
	}
	if ((r = config_set(cfg, key, value, false, log)) != AT_OK)
		at_log(log, LOG_ERR, "%s:%u: rejected", path, lineno);
out:
	free(key);
	free(value);
	return r;
}

static enum at_err
config_file_load(struct at_config *cfg, const char *path, bool explicit,
		 uid_t owner_uid, const struct at_log *log,
		 struct at_config_file_id *id)
{
	enum at_err r = AT_ERR_CONFIG;
	const char *line;
	size_t len = 0, pos = 0, linelen;
	unsigned int lineno = 0;
	struct stat st;
	char *buf = NULL;
	int more, fd = -1;

	memset(id, 0, sizeof(*id));
	id->read_at = time(NULL);
	/* at_file_read() in two halves: the identity is the descriptor's. */
	r = at_file_open(path, AT_FILE_CONFIG, owner_uid, !explicit, log, &fd,
			 &st);
	if (r == AT_OK && fd >= 0) {
		id->found = true;
		id->st = st;
		r = at_file_read_fd(fd, &st, AT_MAX_FILE, path, AT_FILE_CONFIG,
				    log, &buf, &len);
	}
	if (fd >= 0)
		close(fd);
	if (r != AT_OK)
		goto out;
	if (buf == NULL) {
		at_log(log, LOG_DEBUG, "no config file %s", path);
		r = AT_OK;
		goto out;
	}
	r = AT_ERR_CONFIG;
	while ((more = at_file_next_line(buf, len, &pos, &line, &linelen)) !=
	       0) {
		lineno++;
		if (more < 0) {
			at_log(log, LOG_ERR, "%s:%u: line too long or has NUL",
			       path, lineno);
			goto out;
		}
		if (config_file_line(cfg, line, linelen, path, lineno, log) !=
		    AT_OK)
			goto out;
	}
	r = AT_OK;
out:
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

/* Split "key=value" (value NULL for a bare word) and apply it. */
static enum at_err
config_arg(struct at_config *cfg, const char *arg, const struct at_log *log)
{
	enum at_err r;
	const char *eq = strchr(arg, '=');
	char *key;

	if (eq == NULL)
		return at_config_set(cfg, arg, NULL, log);
	if ((key = strndup(arg, (size_t)(eq - arg))) == NULL)
		return AT_ERR_NOMEM;
	r = at_config_set(cfg, key, eq + 1, log);
	free(key);
	return r;
}

static bool
str_skip_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

enum at_err
at_config_load(struct at_config *cfg, int argc, const char **argv,
	       const char *default_config, uid_t owner_uid,
	       const struct at_log *log)
{
	struct at_config_file_id id;

	return at_config_load_id(cfg, argc, argv, default_config, owner_uid,
				 log, &id);
}

enum at_err
at_config_load_id(struct at_config *cfg, int argc, const char **argv,
		  const char *default_config, uid_t owner_uid,
		  const struct at_log *log, struct at_config_file_id *id)
{
	enum at_err r = AT_ERR_CONFIG;
	const char *path = NULL, *rest;
	bool explicit = false;
	int i;

	memset(id, 0, sizeof(*id));
	/* 1. config= first: the file's values sit under the arguments. */
	for (i = 0; i < argc; i++) {
		if (!str_skip_prefix(argv[i], "config=", &rest))
			continue;
		if ((r = at_config_set(cfg, "config", rest, log)) != AT_OK)
			goto out;
		explicit = true;
	}
	path = explicit ? cfg->config_file : default_config;
	/* 2. the file. */
	r = config_file_load(cfg, path, explicit, owner_uid, log, id);
	if (r != AT_OK) {
		/* An unsafe or missing explicit file is a configuration error. */
		if (r != AT_ERR_NOMEM)
			r = AT_ERR_CONFIG;
		goto out;
	}
	/* 3. the arguments override it. */
	for (i = 0; i < argc; i++) {
		if (str_skip_prefix(argv[i], "config=", &rest))
			continue;
		if ((r = config_arg(cfg, argv[i], log)) != AT_OK)
			goto out;
	}
	/* No secret file is not an error here: the account phase needs
	 * none.  at_verifier_from_config() refuses it, naming the method
	 * that mode accepts without one. */
	r = AT_ERR_CONFIG;
	if (cfg->use_first_pass && cfg->try_first_pass) {
		at_log(log, LOG_ERR,
		       "use_first_pass and try_first_pass are exclusive");
		goto out;
	}
	if ((r = at_config_check_store(cfg, log)) != AT_OK)
		goto out;
	if (cfg->prompt == NULL &&
	    (r = set_string(&cfg->prompt, AT_DEFAULT_PROMPT)) != AT_OK)
		goto out;
	r = AT_OK;
out:
	return r;
}

enum at_err
at_config_check_store(const struct at_config *cfg, const struct at_log *log)
{
	if (cfg->single_use && at_mode_allows(cfg->mode, AT_METHOD_HMAC)) {
		at_log(log, LOG_ERR,
		       "single_use=true with mode=%s: an HMAC credential never "
		       "changes, so it cannot be used only once; set mode=jwt",
		       at_mode_name(cfg->mode));
		return AT_ERR_CONFIG;
	}
	if (cfg->single_use && cfg->store == NULL) {
		at_log(log, LOG_ERR,
		       "single_use=true needs a state store: set store= "
		       "(e.g. store=sqlite:/var/lib/agentictrust/state.db)");
		return AT_ERR_CONFIG;
	}
	if (cfg->store == NULL &&
	    (cfg->store_password_file != NULL || cfg->store_prefix != NULL)) {
		at_log(log, LOG_ERR, "store_password_file and store_prefix "
				     "need store=");
		return AT_ERR_CONFIG;
	}
	return AT_OK;
}
