#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# interop.sh - credentials made by the vendor's own recipe (Node's crypto and
# jsonwebtoken, as in the Agentic Trust identity-verification docs) and by
# PyJWT are judged by `agentictrust verify` (the module's code path) the way
# jsonwebtoken.verify judges them, and what `agentictrust` mints verifies with
# jsonwebtoken and PyJWT.
#
#   interop.sh AGENTICTRUST_CLI [NPM_DIR]
#
# NPM_DIR receives a copy of package.json and package-lock.json and
# `npm ci` installs the pinned jsonwebtoken there (default: this directory).
# Needs: node and npm (Debian: nodejs npm), the npm registry or a warm npm
# cache, and a python3 that can `import jwt` (Debian: python3-jwt; $PYTHON,
# python3 and /usr/bin/python3 are tried in that order).
#
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed";
# exits 1 if any check failed, 77 (skipped) only when node is not installed.
set -u

CLI=${1:?usage: interop.sh AGENTICTRUST_CLI [NPM_DIR]}
HERE=$(cd "$(dirname "$0")" && pwd)
NPM_DIR=${2:-$HERE}
# The local user: atagent (uid 1500) of tests/data/nss, which `verify`
# sees through cwrap's nss_wrapper ($AT_NSS_WRAPPER, default
# libnss_wrapper.so), not the user running the test (root in CI, whose
# credentials the module refuses as system_user).  Like the module,
# verify refuses a user that does not exist (user_unknown), so the other
# local users these tests name are added to a copy of that database
# (NSSW, set once $TMP exists).
U=atagent
OTHER=atother

pass=0
fail=0

ok() {
	pass=$((pass + 1))
	printf 'ok - %s\n' "$1"
}

# not_ok DESC [DIAGNOSTIC...]: diagnostics are printed as "#   " lines.
not_ok() {
	local d=$1

	shift
	fail=$((fail + 1))
	printf 'not ok - %s\n' "$d"
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

finish() {
	printf '%d passed, %d failed\n' "$pass" "$fail"
	[ "$fail" -eq 0 ]
	exit $?
}

bail() {
	not_ok "$@"
	printf '# bailing out: the remaining checks need this\n'
	finish
}

if [ ! -x "$CLI" ]; then
	bail "agentictrust CLI is executable" "no such program: $CLI"
fi
if ! command -v node >/dev/null 2>&1; then
	printf 'SKIP: node is not installed; the interop test needs Node.js and npm (Debian: apt-get install nodejs npm)\n'
	exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/at-interop.XXXXXX") || exit 1
# The longest external id the module takes (256 bytes), also a user name.
id256=$(printf 'u%.0s' $(seq 256))
{
	cat "$HERE/../data/nss/passwd"
	printf '%s:x:1501:1501::/nonexistent:/bin/sh\n' "$OTHER"
	printf '%s:x:1502:1502::/nonexistent:/bin/sh\n' "josé-42"
	printf '%s:x:1503:1503::/nonexistent:/bin/sh\n' "$id256"
} >"$TMP/passwd"
NSSW=(env "LD_PRELOAD=${AT_NSS_WRAPPER:-libnss_wrapper.so}"
	"NSS_WRAPPER_PASSWD=$TMP/passwd"
	"NSS_WRAPPER_GROUP=$HERE/../data/nss/group")
trap 'rm -rf "$TMP"' EXIT
umask 077

# ---------------------------------------------------------------- set-up
# A fresh 64-character secret, as text: its bytes are the key everywhere.
SECRET_FILE=$TMP/secret
OTHER_FILE=$TMP/other-secret
ROTATED_FILE=$TMP/rotated-secret
MAP_FILE=$TMP/user-map
rand_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
printf '%s\n' "$(rand_hex)" >"$SECRET_FILE"
printf '%s\n' "$(rand_hex)" >"$OTHER_FILE"
# Rotation: the old secret first, then the current one.
printf '# rotated\n%s\n%s\n' "$(head -n1 "$OTHER_FILE")" \
	"$(head -n1 "$SECRET_FILE")" >"$ROTATED_FILE"
printf 'user-42 %s\n' "$U" >"$MAP_FILE"
chmod 0600 "$SECRET_FILE" "$OTHER_FILE" "$ROTATED_FILE" "$MAP_FILE"
SF=$SECRET_FILE # the secret file the next credential is made / checked with

if [ "$(head -n1 "$SECRET_FILE" | tr -d '\n' | wc -c)" -eq 64 ]; then
	ok "fresh 64-character secret in a 0600 file"
else
	bail "fresh 64-character secret in a 0600 file" "$(ls -l "$SECRET_FILE")"
fi

if ! command -v npm >/dev/null 2>&1; then
	bail "npm is installed" "node is here but npm is not (Debian: apt-get install npm)"
fi
mkdir -p "$NPM_DIR"
if [ "$NPM_DIR" != "$HERE" ]; then
	cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
fi
# Once more after a pause if the registry fails us: a fresh machine has an
# empty npm cache, so the first run goes to the network.
npm_ci() {
	(cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error)
}
if npm_ci >"$TMP/npm.log" 2>&1 ||
	{ sleep 10 && npm_ci >>"$TMP/npm.log" 2>&1; }; then
	ok "npm ci installs the pinned jsonwebtoken into $NPM_DIR"
else
	bail "npm ci installs the pinned jsonwebtoken into $NPM_DIR" \
		"$(tail -n 20 "$TMP/npm.log")"
fi

vendor() { NODE_PATH=$NPM_DIR/node_modules node "$HERE/vendor.js" "$@"; }

want_ver=$(node -p 'require(process.argv[1]).dependencies.jsonwebtoken' \
	"$HERE/package.json")
have_ver=$(vendor version 2>&1)
if [ "$have_ver" = "$want_ver" ]; then
	ok "jsonwebtoken $have_ver loaded (node $(node --version))"
else
	bail "jsonwebtoken $want_ver loaded" "got: $have_ver"
fi

PY=
for c in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$c" -c 'import jwt' >/dev/null 2>&1; then
		PY=$c
		break
	fi
done
if [ -n "$PY" ]; then
	ok "PyJWT $("$PY" "$HERE/pyvendor.py" version) importable by $PY"
else
	not_ok "PyJWT importable (tried \$PYTHON, python3, /usr/bin/python3)" \
		"install python3-jwt"
fi
pyvendor() {
	if [ -z "$PY" ]; then
		echo "no python3 with PyJWT"
		return 3
	fi
	"$PY" "$HERE/pyvendor.py" "$@"
}

# ---------------------------------------------------------------- helpers
# verify_is DESC WANT USER CRED [MODULE-ARG...]: agentictrust verify reads
# CRED on stdin; WANT is "accepted" or the exact reason tag.  $OUT keeps
# the verdict for out_has.
OUT=
verify_is() {
	local desc=$1 want=$2 user=$3 cred=$4 rc

	shift 4
	OUT=$(printf %s "$cred" | "${NSSW[@]}" "$CLI" verify --user "$user" \
		secret_file="$SF" "$@" 2>"$TMP/verify.err")
	rc=$?
	if [ "$want" = accepted ]; then
		if [ $rc -eq 0 ] && [[ $OUT == "accepted: user=$user "* ]]; then
			ok "$desc: accepted"
			return 0
		fi
	elif [ $rc -eq 1 ] && [[ $OUT == "rejected: reason=$want ("* ]]; then
		ok "$desc: rejected, reason=$want"
		return 0
	fi
	not_ok "$desc: want $want" "exit $rc" "$OUT" "$(cat "$TMP/verify.err")" \
		"credential: $cred"
	return 1
}

# out_has DESC FIXED-STRING: the last verify_is output contains it.
out_has() {
	if [[ $OUT == *"$2"* ]]; then
		ok "$1"
	else
		not_ok "$1" "no \"$2\" in:" "$OUT"
	fi
}

# node_is DESC valid|invalid TOKEN OPTIONS_JSON [EXPECT_JSON]:
# jsonwebtoken.verify(TOKEN, secret, OPTIONS).
node_is() {
	local desc=$1 want=$2 tok=$3 out rc

	shift 3
	out=$(vendor verify "$SF" "$tok" "$@" 2>&1)
	rc=$?
	if { [ "$want" = valid ] && [ $rc -eq 0 ]; } ||
		{ [ "$want" = invalid ] && [ $rc -eq 1 ] &&
			[[ $out == "invalid: "* ]]; }; then
		ok "$desc: jsonwebtoken.verify says ${out%%$'\n'*}"
	else
		not_ok "$desc: jsonwebtoken.verify, want $want" "exit $rc" \
			"$out" "token: $tok"
	fi
}

# py_is DESC valid|invalid TOKEN OPTIONS_JSON [EXPECT_JSON]:
# jwt.decode(TOKEN, secret, algorithms=["HS256"], **OPTIONS).
py_is() {
	local desc=$1 want=$2 tok=$3 out rc

	shift 3
	out=$(pyvendor decode "$SF" "$tok" "$@" 2>&1)
	rc=$?
	if { [ "$want" = valid ] && [ $rc -eq 0 ]; } ||
		{ [ "$want" = invalid ] && [ $rc -eq 1 ] &&
			[[ $out == "invalid: "* ]]; }; then
		ok "$desc: PyJWT jwt.decode says ${out%%$'\n'*}"
	else
		not_ok "$desc: PyJWT jwt.decode, want $want" "exit $rc" \
			"$out" "token: $tok"
	fi
}

# same DESC A B: two outputs (e.g. hex MACs) are equal and non-empty.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "left:  $2" "right: $3"
	fi
}

# sign PAYLOAD_JSON OPTIONS_JSON: jsonwebtoken.sign with the secret of $SF.
sign() { vendor sign "$SF" "$@"; }

HS256='{"algorithms":["HS256"]}'
now=$(date +%s)

# ------------------------------------- 1. the vendor's recipe, verbatim
T=$(sign "{\"sub\":\"$U\",\"email\":\"user@example.com\",\"name\":\"Jane Doe\"}" \
	'{"algorithm":"HS256","expiresIn":"1h"}')
parts=$(vendor parts "$T")
hdr=${parts%%$'\n'*}
pl=${parts#*$'\n'}
if [ "$hdr" = '{"alg":"HS256","typ":"JWT"}' ] &&
	[[ $pl == *'"iat":'* ]] && [[ $pl == *'"exp":'* ]]; then
	ok "jsonwebtoken default shape: header {alg:HS256,typ:JWT}, iat and exp set"
else
	not_ok "jsonwebtoken default shape: header {alg:HS256,typ:JWT}, iat and exp set" \
		"$hdr" "$pl"
fi
verify_is "vendor-doc JWT (sub,email,name; HS256; expiresIn 1h)" accepted "$U" "$T"
out_has "vendor-doc JWT: claims shown" "email  user@example.com"
verify_is "vendor-doc JWT, mode=jwt" accepted "$U" "$T" mode=jwt
verify_is "vendor-doc JWT, leeway=0 max_ttl=3600" accepted "$U" "$T" leeway=0 max_ttl=3600
verify_is "vendor-doc JWT, max_ttl=3599" ttl_too_long "$U" "$T" max_ttl=3599
verify_is "vendor-doc JWT, as echo sends it (trailing newline)" accepted "$U" "$T"$'\n'
verify_is "vendor-doc JWT, mode=hmac" method_not_allowed "$U" "$T" mode=hmac
verify_is "vendor-doc JWT presented for another user" user_mismatch "$OTHER" "$T"
# An app user whose id is "root": a good credential, refused for root.
T=$(sign '{"sub":"root"}' '{"algorithm":"HS256","expiresIn":"1h"}')
verify_is "vendor-doc JWT for sub root" system_user root "$T"
verify_is "vendor-doc HMAC of the id root" system_user root "$(vendor hmac "$SF" root)"

H=$(vendor hmac "$SF" "$U")
verify_is "vendor-doc HMAC (createHmac sha256 hex of the user id)" accepted "$U" "$H"
verify_is "vendor-doc HMAC, mode=hmac" accepted "$U" "$H" mode=hmac
verify_is "vendor-doc HMAC, upper-case hex" accepted "$U" "$(printf %s "$H" | tr a-f A-F)"
verify_is "vendor-doc HMAC, mode=jwt" method_not_allowed "$U" "$H" mode=jwt
verify_is "vendor-doc HMAC presented for another user" bad_signature "$OTHER" "$H"

# ------------------------------------- 2. other jsonwebtoken options
T=$(sign "{\"sub\":\"$U\"}" '{"algorithm":"HS256","keyid":"key-2025","expiresIn":"1h"}')
verify_is "jsonwebtoken keyid header" accepted "$U" "$T"
out_has "jsonwebtoken keyid header: kid logged" "kid    key-2025"
T=$(sign "{\"sub\":\"$U\"}" '{"algorithm":"HS256","noTimestamp":true,"expiresIn":"1h"}')
parts=$(vendor parts "$T")
if [[ $parts == *'"exp":'* ]] && [[ $parts != *'"iat"'* ]]; then
	ok "jsonwebtoken noTimestamp: exp but no iat"
else
	not_ok "jsonwebtoken noTimestamp: exp but no iat" "$parts"
fi
verify_is "jsonwebtoken noTimestamp (no iat)" accepted "$U" "$T"
verify_is "jsonwebtoken noTimestamp, max_ttl=3600" missing_iat "$U" "$T" max_ttl=3600
T=$(sign "{\"sub\":\"$U\"}" '{"expiresIn":3600}')
verify_is "jsonwebtoken default algorithm, numeric expiresIn" accepted "$U" "$T"
T=$(sign "{\"sub\":\"$U\"}" '{"algorithm":"HS256","expiresIn":"1h","notBefore":0}')
verify_is "jsonwebtoken notBefore 0 (nbf = now)" accepted "$U" "$T"
T=$(sign "{\"sub\":\"$U\",\"exp\":$((now + 3600)),\"iat\":$now}" '{}')
verify_is "jsonwebtoken with exp/iat in the payload" accepted "$U" "$T"
T=$(sign "{\"sub\":\"$U\"}" \
	'{"algorithm":"HS256","expiresIn":"1h","issuer":"https://app.example","audience":["web","agentictrust"]}')
verify_is "jsonwebtoken issuer + audience array" accepted "$U" "$T" \
	issuer=https://app.example audience=agentictrust
verify_is "jsonwebtoken issuer, other issuer configured" bad_issuer "$U" "$T" \
	issuer=https://other.example
verify_is "jsonwebtoken audience, other audience configured" bad_audience "$U" "$T" \
	audience=elsewhere
node_is "jsonwebtoken audience, other audience" invalid "$T" \
	'{"algorithms":["HS256"],"audience":"elsewhere"}'

# The vendor's own example ids, mapped to this user.
SF=$SECRET_FILE
T=$(sign '{"sub":"user-42","email":"user@example.com","name":"Jane Doe"}' \
	'{"algorithm":"HS256","expiresIn":"1h"}')
verify_is "vendor-doc JWT for sub user-42 via user_map" accepted "$U" "$T" user_map="$MAP_FILE"
verify_is "vendor-doc JWT for sub user-42 without a map" user_mismatch "$U" "$T"
verify_is "vendor-doc HMAC of user-42 via user_map" accepted "$U" \
	"$(vendor hmac "$SF" user-42)" user_map="$MAP_FILE"

# A non-ASCII external id, raw UTF-8 in the JSON (JSON.stringify).
T=$(sign '{"sub":"josé-42","name":"José Ñúñez"}' '{"algorithm":"HS256","expiresIn":"1h"}')
verify_is "jsonwebtoken sub josé-42 (raw UTF-8)" accepted "josé-42" "$T"
out_has "jsonwebtoken sub josé-42: name decoded" "name   José Ñúñez"
verify_is "createHmac of josé-42" accepted "josé-42" "$(vendor hmac "$SF" "josé-42")"

# The longest external id the module takes (256 bytes) and one byte more.
T=$(sign "{\"sub\":\"$id256\"}" '{"algorithm":"HS256","expiresIn":"1h"}')
verify_is "jsonwebtoken sub of 256 bytes" accepted "$id256" "$T"
T=$(sign "{\"sub\":\"${id256}u\"}" '{"algorithm":"HS256","expiresIn":"1h"}')
verify_is "jsonwebtoken sub of 257 bytes" bad_sub "$id256" "$T"

# Secret rotation: a token from the new secret, a file with old + new.
T=$(sign "{\"sub\":\"$U\"}" '{"algorithm":"HS256","expiresIn":"1h"}')
SF=$ROTATED_FILE
verify_is "rotated secret file (old, new): token from the new secret" accepted "$U" "$T"
out_has "rotated secret file: second secret matched" "line 3 of $ROTATED_FILE (secret_file, secret #2) matched"
SF=$SECRET_FILE

# Clock skew: 10 s past exp is inside the default 60 s leeway, as it is
# inside jsonwebtoken's clockTolerance 60.
T=$(sign "{\"sub\":\"$U\"}" '{"algorithm":"HS256","expiresIn":-10}')
verify_is "expired 10 s ago, default leeway 60" accepted "$U" "$T"
node_is "expired 10 s ago, clockTolerance 60" valid "$T" \
	'{"algorithms":["HS256"],"clockTolerance":60}'
verify_is "expired 10 s ago, leeway=0" expired "$U" "$T" leeway=0
node_is "expired 10 s ago, no clockTolerance" invalid "$T" "$HS256"

# No exp: jsonwebtoken accepts it, the module only with allow_no_exp.
T=$(sign "{\"sub\":\"$U\"}" '{"algorithm":"HS256"}')
node_is "no exp (jsonwebtoken default without expiresIn)" valid "$T" "$HS256"
verify_is "no exp" missing_exp "$U" "$T"
verify_is "no exp, allow_no_exp" accepted "$U" "$T" allow_no_exp

# ------------------------------------- 3. PyJWT and Python's hmac
T=$(pyvendor encode "$SF" \
	"{\"sub\":\"$U\",\"email\":\"user@example.com\",\"exp\":$((now + 3600)),\"iat\":$now}" HS256)
verify_is "PyJWT jwt.encode({sub,email,exp,iat}, HS256)" accepted "$U" "$T"
T=$(pyvendor encode "$SF" "{\"sub\":\"$U\",\"exp\":$((now + 3600)).5}" HS256 '{"kid":"py-1"}')
verify_is "PyJWT kid header, fractional exp" accepted "$U" "$T"
T=$(pyvendor encode "$SF" "{\"sub\":\"josé-42\",\"exp\":$((now + 3600))}" HS256)
if [[ $(vendor parts "$T" | tail -n1) == *'\u00e9'* ]]; then
	ok "PyJWT escapes non-ASCII (\\u00e9) in the payload"
else
	not_ok "PyJWT escapes non-ASCII (\\u00e9) in the payload" "$(vendor parts "$T")"
fi
verify_is "PyJWT sub josé-42 (\\u00e9 escape)" accepted "josé-42" "$T"
verify_is "Python hmac.new(secret, user, sha256).hexdigest()" accepted "$U" \
	"$(pyvendor hmac "$SF" "$U")"

# ------------------------------------- 4. refused by both
# refused DESC TAG TOKEN: jsonwebtoken.verify (algorithms HS256) and PyJWT
# jwt.decode (algorithms=["HS256"]) throw, and agentictrust rejects with
# exactly TAG.
refused() {
	node_is "$1" invalid "$3" "$HS256"
	py_is "$1" invalid "$3" '{}'
	verify_is "$1" "$2" "$U" "$3"
}
# stricter DESC TAG TOKEN: jsonwebtoken.verify accepts what agentictrust
# rejects with TAG (RFC 7515/8725 points jsonwebtoken does not enforce).
stricter() {
	node_is "$1" valid "$3" "$HS256"
	verify_is "$1" "$2" "$U" "$3"
}
SUB="{\"sub\":\"$U\"}"
refused "jsonwebtoken HS384, same secret" bad_signature_length \
	"$(sign "$SUB" '{"algorithm":"HS384","expiresIn":"1h"}')"
out_has "HS384 token: CLI hints at HS384 from the signature length" \
	"hint: a 48-byte signature looks like HS384"
refused "jsonwebtoken HS512, same secret" bad_signature_length \
	"$(sign "$SUB" '{"algorithm":"HS512","expiresIn":"1h"}')"
out_has "HS512 token: CLI hints at HS512 from the signature length" \
	"hint: a 64-byte signature looks like HS512"
T=$(sign "$SUB" '{"algorithm":"none","expiresIn":"1h"}')
if [[ $T == *. ]] && [[ $(vendor parts "$T") == '{"alg":"none","typ":"JWT"}'* ]]; then
	ok "jsonwebtoken 9 signs alg none: header {alg:none}, empty signature"
else
	not_ok "jsonwebtoken 9 signs alg none: header {alg:none}, empty signature" "$T"
fi
refused "jsonwebtoken alg none (unsigned)" bad_signature_length "$T"
out_has "unsigned token: CLI hints at alg none" "hint: the token is unsigned"
refused "PyJWT HS512, same secret" bad_signature_length \
	"$(pyvendor encode "$SF" "{\"sub\":\"$U\",\"exp\":$((now + 3600))}" HS512)"
# The same claims under a header that lies about the algorithm, MAC'd with
# HMAC-SHA256 and the right secret: only the header is wrong.
P="{\"sub\":\"$U\",\"exp\":$((now + 3600))}"
refused "header alg none, valid HS256 MAC" alg_not_allowed \
	"$(vendor forge "$SF" '{"alg":"none","typ":"JWT"}' "$P" sha256)"
refused "header alg HS384, valid HS256 MAC" alg_not_allowed \
	"$(vendor forge "$SF" '{"alg":"HS384","typ":"JWT"}' "$P" sha256)"
refused "header alg hs256 (lower case), valid HS256 MAC" alg_not_allowed \
	"$(vendor forge "$SF" '{"alg":"hs256","typ":"JWT"}' "$P" sha256)"
refused "header without alg, valid HS256 MAC" alg_not_allowed \
	"$(vendor forge "$SF" '{"typ":"JWT"}' "$P" sha256)"
T=$(vendor forge "$SF" '{"alg":"HS256","typ":"JWT"}' "$P" sha256)
node_is "hand-made HS256 token (control)" valid "$T" "$HS256"
verify_is "hand-made HS256 token (control)" accepted "$U" "$T"
# A numeric string as exp: jsonwebtoken refuses it, PyJWT 2.6 coerces it
# with int() and accepts, the module refuses it.
T=$(vendor forge "$SF" '{"alg":"HS256","typ":"JWT"}' \
	"{\"sub\":\"$U\",\"exp\":\"$((now + 3600))\"}" sha256)
node_is "exp as a numeric string, valid HS256 MAC" invalid "$T" "$HS256"
py_is "exp as a numeric string, valid HS256 MAC (PyJWT coerces)" valid "$T" '{}'
verify_is "exp as a numeric string, valid HS256 MAC" bad_time_claim "$U" "$T"
stricter "duplicate sub in the payload, valid HS256 MAC" duplicate_key \
	"$(vendor forge "$SF" '{"alg":"HS256","typ":"JWT"}' \
		"{\"sub\":\"someone-else\",\"sub\":\"$U\",\"exp\":$((now + 3600))}" sha256)"
stricter "header crit [\"exp\"], valid HS256 MAC" forbidden_header \
	"$(vendor forge "$SF" '{"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1}' "$P" sha256)"
stricter "header typ at+jwt, valid HS256 MAC" bad_typ \
	"$(vendor forge "$SF" '{"alg":"HS256","typ":"at+jwt"}' "$P" sha256)"
refused "jsonwebtoken expiresIn -10 min" expired \
	"$(sign "$SUB" '{"algorithm":"HS256","expiresIn":"-10m"}')"
refused "jsonwebtoken notBefore 10 min" not_yet_valid \
	"$(sign "$SUB" '{"algorithm":"HS256","expiresIn":"1h","notBefore":"10m"}')"
SF=$OTHER_FILE
T=$(sign "$SUB" '{"algorithm":"HS256","expiresIn":"1h"}')
H=$(vendor hmac "$SF" "$U")
SF=$SECRET_FILE
refused "jsonwebtoken HS256 with another secret" bad_signature "$T"
verify_is "createHmac with another secret" bad_signature "$U" "$H"

# ------------------------------------- 5. agentictrust mints, they verify
T=$("$CLI" token --secret-file "$SF" --sub "$U" --email user@example.com \
	--name "Jane Doe" 2>&1)
EXPECT="{\"sub\":\"$U\",\"email\":\"user@example.com\",\"name\":\"Jane Doe\"}"
node_is "agentictrust token" valid "$T" "$HS256" "$EXPECT"
py_is "agentictrust token" valid "$T" '{}' "$EXPECT"
verify_is "agentictrust token" accepted "$U" "$T" max_ttl=3600
lifetime=$(NODE_PATH=$NPM_DIR/node_modules node -e '
	const p = require("jsonwebtoken").decode(process.argv[1]);
	console.log(Number.isInteger(p.iat) && Number.isInteger(p.exp) ?
		p.exp - p.iat : "non-integer");' "$T" 2>&1)
same "agentictrust token: integer iat/exp, exp - iat = 3600" "$lifetime" 3600
T=$("$CLI" token --secret-file "$SF" --sub "josé-42" --ttl 60 \
	--iss https://app.example --aud agentictrust 2>&1)
EXPECT='{"sub":"josé-42","iss":"https://app.example","aud":"agentictrust"}'
node_is "agentictrust token --sub josé-42 --ttl 60 --iss --aud" valid "$T" \
	'{"algorithms":["HS256"],"issuer":"https://app.example","audience":"agentictrust","maxAge":60}' \
	"$EXPECT"
py_is "agentictrust token --sub josé-42 --ttl 60 --iss --aud" valid "$T" \
	'{"issuer":"https://app.example","audience":"agentictrust"}' "$EXPECT"
SF=$OTHER_FILE
node_is "agentictrust token checked with another secret" invalid "$T" "$HS256"
py_is "agentictrust token checked with another secret" invalid "$T" '{}'
SF=$SECRET_FILE

for id in "$U" user-42 "josé-42" "日本語-ユーザー" "a b+c/d=e" "$id256"; do
	mine=$("$CLI" hmac --secret-file "$SF" "$id" 2>&1)
	same "agentictrust hmac = createHmac hex for \"${id:0:24}\"" "$mine" \
		"$(vendor hmac "$SF" "$id" 2>&1)"
	same "agentictrust hmac = Python hmac for \"${id:0:24}\"" "$mine" \
		"$(pyvendor hmac "$SF" "$id" 2>&1)"
done

finish
