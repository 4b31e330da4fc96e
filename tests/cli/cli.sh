#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# cli.sh - `agentictrust verify --service` and `agentictrust check` against
# fixtures built in a private temporary directory: a pam.d directory of
# services, config files, secret files with right and wrong modes, user
# maps, and tokens minted here (openssl) or by `agentictrust token`.
#
#   cli.sh AGENTICTRUST_CLI
#
# Every check asserts an exit status and/or output lines; at the end no
# secret, token or signature may appear in anything the CLI printed.
# TAP output ("ok N - ...", "not ok N - ..."), exit 1 if any check failed.
# Runs as root or not: the files are owned by the running user, which the
# library accepts as the euid.  AT_CLI_WRAPPER (e.g. "valgrind -q
# --error-exitcode=99 --leak-check=full") is put in front of every CLI run.
# Every CLI run sees the users of tests/data/nss through cwrap's
# nss_wrapper ($AT_NSS_WRAPPER, default libnss_wrapper.so), not the
# machine's: the local user is atagent (uid 1500), and root, atsys
# (uid 999), nobody (65534) and athigh (70000) are the system_user cases.
# The CLI reads the machine's /etc/login.defs (read only; Debian's
# UID_MIN is 1000 and UID_MAX 60000: the athigh checks are skipped where
# UID_MAX is 70000 or more).
set -u

CLI=${1:?usage: cli.sh AGENTICTRUST_CLI}
# shellcheck source=tests/cli/tap.sh
. "$(dirname "$0")/tap.sh"

# run [-i STDIN] ARG...: the CLI's stdout and stderr in $OUT, status in $RC.
run() {
	local in=

	if [ "$1" = -i ]; then
		in=$2
		shift 2
	fi
	OUT=$(printf '%s' "$in" | "${NSSW[@]}" "${WRAP[@]}" "$CLI" "$@" 2>&1)
	RC=$?
	ALL+=$OUT$'\n'
	LAST="$*"
}

# run_nul BEFORE AFTER ARG...: like run, stdin is BEFORE, a NUL byte,
# AFTER (a shell variable cannot hold a NUL).
run_nul() {
	local before=$1 after=$2

	shift 2
	OUT=$({ printf '%s' "$before"; printf '\0'; printf '%s' "$after"; } |
		"${NSSW[@]}" "${WRAP[@]}" "$CLI" "$@" 2>&1)
	RC=$?
	ALL+=$OUT$'\n'
	LAST="$*"
}

# count_is DESC ERE N: exactly N lines of $OUT match.
count_is() {
	local c

	c=$(printf '%s\n' "$OUT" | grep -Ec -- "$2")
	if [ "$c" -eq "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "$c lines match $2, want $3" "$OUT"
	fi
}

# ERE-quote a fixed string.
q() { printf '%s' "$1" | sed 's/[][\.*^$(){}?+|]/\\&/g'; }

if [ ! -x "$CLI" ]; then
	not_ok "agentictrust CLI is executable" "no such program: $CLI"
	echo "1..$n"
	exit 1
fi
for tool in openssl basenc od xxd stat; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/at-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
umask 077
U=atagent	# uid 1500 in tests/data/nss/passwd
NOUSER=no-such-user-at-cli-test
P=$T/pam.d
mkdir "$P"

# ------------------------------------------------------------- fixtures
rand_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
S1=$(rand_hex)
S2=$(rand_hex)
S3=$(rand_hex) # in no secret file: signs forgeries
SHORT=tooShortKey9
printf '%s\n' "$S1" >"$T/s1"
printf '%s\n' "$S2" >"$T/only2"
printf '%s\n' "$S3" >"$T/s3"
printf '# rotated: old first\n\n%s\n%s\n' "$S1" "$S2" >"$T/both"
printf '%s\n' "$SHORT" >"$T/short"
# Per-method secrets: S1 signs HMAC credentials, S2 JWTs.
printf '%s\n' "$S1" >"$T/hmac1"
printf '%s\n' "$S2" >"$T/jwt2"
printf '# the HMAC secret again\n%s\n%s\n' "$S2" "$S1" >"$T/jwt_same"
# Secret files that mean something else; the secret in them must never
# be printed.
DIST=distinctive-secret-$(rand_hex)
printf '%s\n \t \n' "$DIST" >"$T/ws_line"
printf '%s \n' "$DIST" >"$T/ws_trail"
printf '\357\273\277%s\n' "$DIST" >"$T/bom"
printf '%s\n  # %s\n' "$S1" "$DIST" >"$T/indented"
printf '\t%s\n' "$DIST" >"$T/ws_lead"
# Copied from a web page: a no-break space after, a zero-width space before.
printf '%s\302\240\n' "$DIST" >"$T/nbsp_trail"
printf '\342\200\213%s\n' "$DIST" >"$T/zwsp_lead"
printf '%s\342\200\216\n' "$DIST" >"$T/lrm_trail"
printf '\037%s\n' "$DIST" >"$T/ctl_lead"
for i in $(seq 1 17); do rand_hex; echo; done >"$T/many"
printf '%s\n' "$S1" >"$T/s600"
for m in 644 660 602 640; do
	printf '%s\n' "$S1" >"$T/s$m"
	chmod "0$m" "$T/s$m"
done
printf 'ext-42 %s\n' "$U" >"$T/map_ok"
printf 'ext-1 %s\n# again\next-1 %s\n' "$U" "$U" >"$T/map_dup"
printf 'ext-1 %s\next-2 %s\n' "$U" "$U" >"$T/map_same"
printf 'ext-9 %s\n' "$NOUSER" >"$T/map_nouser"
printf 'lonely\n' >"$T/map_bad"
printf 'secret_file = %s\nmode = jwt\n' "$T/both" >"$T/conf"
chmod 0644 "$T/conf"
printf 'secret_file = %s\n' "$T/both" >"$T/conf666"
chmod 0666 "$T/conf666"

# The library checks every directory above $T: when this machine's
# TMPDIR fails that rule, stop here and name the directory.
if ! pre=$("$CLI" check secret_file="$T/s1" 2>&1) && [[ $pre == *": directory "* ]]; then
	echo "Bail out! $T fails the library's directory rule (every directory from / down owned by root or uid $(id -u), not group or world writable, unless root's sticky one):"
	printf '%s\n' "$pre" | grep -F ': directory ' | sed 's/^/# /'
	exit 1
fi

svc() { printf -- "$2" >"$P/$1"; }
svc direct "auth required pam_agentictrust.so secret_file=$T/both\n"
svc common-at "auth required pam_agentictrust.so config=$T/conf\naccount required pam_permit.so\n"
svc viainclude "# Debian style\n@include common-at\n"
svc viaauthinclude "auth include common-at\naccount include common-at\n"
svc suff "auth sufficient pam_unix.so nullok\nauth required pam_agentictrust.so secret_file=$T/both\n"
svc after "auth required pam_agentictrust.so secret_file=$T/both\nauth sufficient pam_unix.so\n"
svc envafter "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=1\n"
svc envbefore "auth optional pam_env.so user_readenv=1\nauth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so\n"
# pam_env reads user_readenv= with atoi() and the last one wins.
svc env2 "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=2\n"
svc env01 "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=01\n"
svc envbr "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so [user_readenv=1 ]\n"
svc envsp "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so [user_readenv= +1]\n"
svc envlast1 "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=0 user_readenv=1\n"
svc envlast0 "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=1 user_readenv=0\n"
svc envoff "auth required pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=x1 [ user_readenv=1] user_readenv=\n"
# A pam_env line libpam never reaches for setcred once the module succeeded.
svc envsuff "auth sufficient pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=1\nauth required pam_unix.so\n"
svc envdone "auth [success=done default=die] pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=1\n"
svc envjump "auth [success=1 default=bad] pam_agentictrust.so secret_file=$T/both\nauth optional pam_env.so user_readenv=1\nauth required pam_permit.so\n"
svc envjump1 "auth [success=1 default=bad] pam_agentictrust.so secret_file=$T/both\nauth required pam_permit.so\nauth optional pam_env.so user_readenv=1\n"
svc envmid "auth required pam_agentictrust.so secret_file=$T/both\nauth sufficient pam_unix.so\nauth optional pam_env.so user_readenv=1\n"
svc jump2 "auth [success=2 default=ignore] pam_unix.so\nauth requisite pam_deny.so\nauth required pam_agentictrust.so secret_file=$T/both\n"
svc jump1 "auth [success=1 default=ignore] pam_unix.so\nauth requisite pam_deny.so\nauth required pam_agentictrust.so secret_file=$T/both\n"
svc inner "auth sufficient pam_unix.so\n"
svc substack "auth substack inner\nauth required pam_agentictrust.so secret_file=$T/both\n"
svc sudo "auth required pam_agentictrust.so secret_file=$T/both mode=hmac\n"
svc sudo-any "auth required pam_agentictrust.so secret_file=$T/both\n"
svc sudo-jwt "auth required pam_agentictrust.so secret_file=$T/both mode=jwt max_ttl=3600\n"
svc optional "auth optional pam_agentictrust.so secret_file=$T/both\n"
svc bracket-optional "auth [success=ok default=ignore] pam_agentictrust.so secret_file=$T/both\n"
svc none "auth required pam_unix.so\naccount required pam_agentictrust.so secret_file=$T/both\n"
svc loop "@include loop2\n"
svc loop2 "@include loop\n"
svc missing-include "@include not-there\n"
svc two "auth sufficient pam_agentictrust.so secret_file=$T/both mode=jwt\nauth required pam_agentictrust.so secret_file=$T/both mode=hmac\n"
svc dash "-auth required /lib/x86_64-linux-gnu/security/pam_agentictrust.so secret_file=$T/both\n"
svc badperm "auth required pam_agentictrust.so secret_file=$T/s644\n"
cat >"$P/cont" <<EOF
# continuation lines, a comment, brackets with spaces
auth   [success=ok \\
        default=bad]   pam_agentictrust.so \\
        secret_file=$T/both [prompt=Agentic \\] token: ] # trailing comment
EOF

b64url() { basenc --base64url -w0 | tr -d '='; }
# mint KEYFILE HEADER PAYLOAD: a JWS signed with the first line of KEYFILE.
TOKENS=()
mint() {
	local key h p sig

	key=$(head -n1 "$1" | od -An -tx1 | tr -d ' \n')
	key=${key%0a} # od saw head's newline
	h=$(printf '%s' "$2" | b64url)
	p=$(printf '%s' "$3" | b64url)
	sig=$(printf '%s' "$h.$p" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
		b64url)
	printf '%s.%s.%s' "$h" "$p" "$sig"
}
HDR='{"alg":"HS256","typ":"JWT"}'
NOW=$(date +%s)

# -------------------------------------------------------- verify
# A token from the second secret of a two-secret file.
TOK2=$("$CLI" token --secret-file "$T/only2" --sub "$U" --email "op@example.com" --name "Op Erator")
TOKENS+=("$TOK2")
run -i "$TOK2" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify --service: JWT signed with secret 2" 0
has "verify: verdict line is first-line compatible" "^accepted: user=$(q "$U") method=jwt$"
has "verify: file, line and secret index 2 (1-based) matched" "^  method jwt, line 4 of $(q "$T/both") \\(secret_file, secret #2\\) matched \\(logged as secret=1\\)$"
has "verify: the service line used" "^  service direct: $(q "$P/direct"):1: auth required pam_agentictrust\.so$"
has "verify: the module arguments used" "^  arguments secret_file=$(q "$T/both")$"
has "verify: mapped local user exists" "^  maps to local user $(q "$U") \(exists\)$"
has "verify: decoded header after the MAC" '^  header \{"alg":"HS256","typ":"JWT"\}$'
has "verify: decoded claims after the MAC" '^  claims \{.*"sub":'
has "verify: iat as a date, relative" '^  iat: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(issued [0-9]+ s ago\)$'
has "verify: exp as a date, relative, with leeway" '^  exp: [0-9-]{10} [0-9:]{8} UTC \(expires in (59|60) min, leeway 60 s\)$'
hasnt "verify: nothing UNVERIFIED after a good MAC" 'UNVERIFIED'

# Each time window below is measured from a NOW read just before the
# mint, so one (valgrind-slow) CLI run separates them, not the suite.
# Expired three minutes ago.
NOW=$(date +%s)
TOKX=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"iat\":$((NOW - 3780)),\"exp\":$((NOW - 180))}")
TOKENS+=("$TOKX")
run -i "$TOKX" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: expired token" 1
has "verify: expired reason tag" '^rejected: reason=expired \(token has expired\)$'
has "verify: expired N ago, with the leeway" '^  exp: .* UTC \(expired (3 min|[0-9]+ s) ago, leeway 60 s\)$'
has "verify: expired token still names secret #1" '^  method jwt, line 3 of .* \(secret_file, secret #1\) matched '
has "verify: issued an hour ago" '^  iat: .*\(issued (63 min|[0-9]+ min) ago\)$'
has "verify: mapping not reached" '^  maps to local user: not reached \(rejected before the user mapping\)$'

# Expired 10 s ago: inside the default leeway.
NOW=$(date +%s)
TOKL=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"exp\":$((NOW - 10))}")
TOKENS+=("$TOKL")
run -i "$TOKL" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: expired within the leeway" 0
has "verify: says it is accepted within the leeway" '\(expired [0-9]+ s ago, accepted within leeway 60 s\)$'

# nbf in the future and in the past.
NOW=$(date +%s)
TOKN=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"nbf\":$((NOW + 7200)),\"exp\":$((NOW + 9000))}")
TOKENS+=("$TOKN")
run -i "$TOKN" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: not yet valid" 1
has "verify: not_yet_valid tag" '^rejected: reason=not_yet_valid '
has "verify: nbf in the future" '^  nbf: .*\(not valid for another (2 h|119 min|120 min), leeway 60 s\)$'
TOKP=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"nbf\":$((NOW - 7200)),\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKP")
run -i "$TOKP" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: nbf in the past" 0
has "verify: valid since" '^  nbf: .*\(valid since (2 h|120 min)\)$'

# Forged: signed with a secret the service does not have.
TOKF=$(mint "$T/s3" "$HDR" "{\"sub\":\"$U\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKF")
run -i "$TOKF" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: forged token" 1
has "verify: forged token reason tag" '^rejected: reason=bad_signature \(signature does not match any secret\)$'
has "verify: forged header shown only as UNVERIFIED" '^  UNVERIFIED header \{"alg":"HS256","typ":"JWT"\}$'
has "verify: forged claims shown only as UNVERIFIED" '^  UNVERIFIED claims \{"sub":'
hasnt "verify: no secret line for a forgery" 'matched \(logged as'
hasnt "verify: no verified header for a forgery" '^  (header|claims) '

# Tampered payload over a real signature: still UNVERIFIED.
TAMP="${TOK2%%.*}.$(printf '{"sub":"root","exp":9999999999}' | b64url).${TOK2##*.}"
TOKENS+=("$TAMP")
run -i "$TAMP" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: tampered token" 1
has "verify: tampered token is bad_signature" '^rejected: reason=bad_signature '
has "verify: tampered claims labelled UNVERIFIED" '^  UNVERIFIED claims \{"sub":"root"'

# HS512 over the right key: refused before any JSON is trusted.
TOK512H=$(printf '{"alg":"HS512","typ":"JWT"}' | b64url)
TOK512P=$(printf '{"sub":"%s"}' "$U" | b64url)
TOK512S=$(printf '%s' "$TOK512H.$TOK512P" | openssl dgst -sha512 -mac HMAC \
	-macopt "hexkey:$(printf '%s' "$S1" | od -An -tx1 | tr -d ' \n')" -binary | b64url)
TOK512="$TOK512H.$TOK512P.$TOK512S"
TOKENS+=("$TOK512")
run -i "$TOK512" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: HS512 token" 1
has "verify: HS512 is bad_signature_length" '^rejected: reason=bad_signature_length '
has "verify: HS512 hint" '^  hint: a 64-byte signature looks like HS512'
has "verify: HS512 header UNVERIFIED" '^  UNVERIFIED header \{"alg":"HS512"'

# Cut by a client at 1023 bytes (OpenSSH): the module's hint.
LONGNAME=$(printf 'n%.0s' $(seq 1 900))
TOKLONG=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"name\":\"$LONGNAME\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKLONG")
run -i "${TOKLONG:0:1023}" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: token cut at 1023 bytes" 1
has "verify: truncation hint" "^  hint: the credential is exactly 1023 bytes, probably truncated by the client \(OpenSSH"

# A map: the token's sub is an external id.
TOKM=$(mint "$T/s1" "$HDR" "{\"sub\":\"ext-42\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKM")
run -i "$TOKM" verify --user "$U" --service direct --pam-dir "$P" user_map="$T/map_ok"
rc_is "verify: user_map, extra argument" 0
has "verify: sub is the external id" '^  sub    ext-42$'
has "verify: mapped local user printed" "^  maps to local user $(q "$U") \(exists\)$"
has "verify: command-line argument appended" "^  arguments secret_file=$(q "$T/both") user_map=$(q "$T/map_ok") \(the last 1 from the command line\)$"

run -i "$TOKM" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: external id without a map" 1
has "verify: user_mismatch without a map" '^rejected: reason=user_mismatch '
has "verify: the id itself is the local user" '^  maps to local user ext-42 \(no such user on this system\)$'
run -i "$TOKM" verify --user "$U" --service direct --pam-dir "$P" user_map="$T/map_same"
rc_is "verify: external id not in the map" 1
has "verify: user_not_mapped" '^rejected: reason=user_not_mapped '
has "verify: says it is not in the map" '^  maps to no local user \(not in the user map\)$'

# A local user that does not exist.
TOKU=$(mint "$T/s1" "$HDR" "{\"sub\":\"$NOUSER\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKU")
run -i "$TOKU" verify --user "$NOUSER" --service direct --pam-dir "$P"
has "verify: missing local user said" "^  maps to local user $NOUSER \(no such user on this system\)$"
rc_is "verify: a user that does not exist is rejected, as the module does" 1
has "verify: module would log user_unknown" "^rejected: reason=user_unknown \(no local user $NOUSER: "
has "verify: the credential itself is still judged" "^  the credential itself: valid for that name \(reason=ok\)$"

# accounts=any (issue 9, item 1): the same name is accepted, and said to be
# no Unix account; another name's token is still user_mismatch; root is
# still refused.
run -i "$TOKU" verify --user "$NOUSER" --service direct --pam-dir "$P" accounts=any
rc_is "verify: accounts=any, a name that is no Unix account" 0
has "verify: accounts=any accepted" "^accepted: user=$NOUSER method=jwt$"
has "verify: accounts=any says not a Unix account" "^  local user $NOUSER: not a Unix account \(accounts=any\): no system-account check$"
has "verify: accounts=any, maps to" "^  maps to local user $NOUSER \(not a Unix account \(accounts=any\)\)$"
hasnt "verify: accounts=any, no user_unknown" 'user_unknown'
run -i "$TOKU" verify --user "other-$NOUSER" --service direct --pam-dir "$P" accounts=any
rc_is "verify: accounts=any, another name's token" 1
has "verify: accounts=any, user_mismatch" '^rejected: reason=user_mismatch '
TOKR9=$("$CLI" token --secret-file "$T/s1" --sub root --ttl 600)
TOKENS+=("$TOKR9")
run -i "$TOKR9" verify --user root --service direct --pam-dir "$P" accounts=any
rc_is "verify: accounts=any, root" 1
has "verify: accounts=any, root is still system_user" '^rejected: reason=system_user '
run -i "$TOKU" verify --user "$NOUSER" --service direct --pam-dir "$P" accounts=all
rc_is "verify: accounts=all is a bad option" 2
has "verify: accounts=all refused as bad_config" 'reason=bad_config'

# Root and system accounts (issue 7, item 6): the module's verdict.
printf 'ops-admin root\nbackup-agent atsys\n' >"$T/map_root"
TOKR=$("$CLI" token --secret-file "$T/s1" --sub root --ttl 600)
TOKS=$("$CLI" token --secret-file "$T/s1" --sub atsys --ttl 600)
TOKE=$("$CLI" token --secret-file "$T/s1" --sub atedge --ttl 600)
TOKO=$("$CLI" token --secret-file "$T/s1" --sub ops-admin --ttl 600)
HMR=$("$CLI" hmac --secret-file "$T/s1" root)
TOKENS+=("$TOKR" "$TOKS" "$TOKE" "$TOKO" "$HMR")
run -i "$TOKR" verify --user root --service direct --pam-dir "$P"
rc_is "verify: valid JWT for root" 1
has "verify: root is system_user" '^rejected: reason=system_user \(local account is root or a system account \(uid outside UID_MIN\.\.UID_MAX, or nobody\)\)$'
has "verify: root: the credential itself verified" '^  method jwt, line [0-9]+ of .* matched '
has "verify: root: says why" '^  local user root \(uid 0\) is root: refused without user_map or allow_system_users$'
run -i "$HMR" verify --user root --service direct --pam-dir "$P"
rc_is "verify: valid HMAC for root" 1
has "verify: root HMAC is system_user" '^rejected: reason=system_user '
run -i "$TOKS" verify --user atsys --service direct --pam-dir "$P"
rc_is "verify: valid JWT for atsys (uid 999)" 1
has "verify: atsys is system_user" '^rejected: reason=system_user '
has "verify: atsys: names UID_MIN and login.defs" '^  local user atsys \(uid 999\) is a system account \(uid below UID_MIN [0-9]+ of /etc/login\.defs\): refused without user_map or allow_system_users$'
TOKN=$("$CLI" token --secret-file "$T/s1" --sub nobody --ttl 600)
TOKH=$("$CLI" token --secret-file "$T/s1" --sub athigh --ttl 600)
HMN=$("$CLI" hmac --secret-file "$T/s1" nobody)
TOKENS+=("$TOKN" "$TOKH" "$HMN")
run -i "$TOKN" verify --user nobody --service direct --pam-dir "$P"
rc_is "verify: valid JWT for nobody (uid 65534)" 1
has "verify: nobody is system_user" '^rejected: reason=system_user '
has "verify: nobody: says why" '^  local user nobody \(uid 65534\) is a system account \(uid 65534, nobody: the overflow uid\): refused without user_map or allow_system_users$'
run -i "$HMN" verify --user nobody --service direct --pam-dir "$P"
rc_is "verify: valid HMAC for nobody" 1
has "verify: nobody HMAC is system_user" '^rejected: reason=system_user '
run -i "$TOKN" verify --user nobody --service direct --pam-dir "$P" allow_system_users
rc_is "verify: nobody with allow_system_users" 0
has "verify: nobody: allowed, and why" '^  note: local user nobody \(uid 65534\) is a system account \(uid 65534, nobody: the overflow uid\): allowed because allow_system_users is set$'
UID_MAX_HERE=$(awk '$1 == "UID_MAX" { print $2 }' /etc/login.defs 2>/dev/null)
if [[ ${UID_MAX_HERE:-60000} =~ ^[0-9]+$ ]] && [ "${UID_MAX_HERE:-60000}" -lt 70000 ]; then
	run -i "$TOKH" verify --user athigh --service direct --pam-dir "$P"
	rc_is "verify: valid JWT for athigh (uid 70000 > UID_MAX)" 1
	has "verify: athigh is system_user" '^rejected: reason=system_user '
	has "verify: athigh: names UID_MAX and login.defs" '^  local user athigh \(uid 70000\) is a system account \(uid above UID_MAX [0-9]+ of /etc/login\.defs\): refused without user_map or allow_system_users$'
	run check --pam-dir "$P" --service direct
	has "check: local accounts names UID_MIN and UID_MAX" '^ok: local accounts: external ids are local user names; root and system accounts \(uid below UID_MIN [0-9]+ or above UID_MAX [0-9]+ of /etc/login\.defs, uid 1-99, nobody\) are refused \(reason=system_user\)$'
else
	echo "# skip athigh: /etc/login.defs has UID_MAX $UID_MAX_HERE"
fi
printf 'nfs-agent nobody\nhigh-agent athigh\n' >"$T/map_sys"
run check --pam-dir "$P" --service direct user_map="$T/map_sys"
has "check: user map to nobody: a system account, allowed" "^warning: user map $(q "$T/map_sys"):1: the local user is a system account \(uid 65534\): allowed, since the map is the only authority$"
run -i "$TOKE" verify --user atedge --service direct --pam-dir "$P"
rc_is "verify: valid JWT for atedge (uid 1000 = UID_MIN)" 0
hasnt "verify: atedge: no account note" 'system account|is root'
run -i "$TOKR" verify --user root --service direct --pam-dir "$P" allow_system_users
rc_is "verify: root with allow_system_users" 0
has "verify: allow_system_users: accepted" '^accepted: user=root method=jwt$'
has "verify: allow_system_users: says so" '^  note: local user root \(uid 0\) is root: allowed because allow_system_users is set$'
run -i "$TOKO" verify --user root --service direct --pam-dir "$P" user_map="$T/map_root"
rc_is "verify: ops-admin mapped to root" 0
has "verify: user_map: accepted" '^accepted: user=root method=jwt$'
has "verify: user_map: says the map decided" '^  note: local user root \(uid 0\) is root: allowed because user_map is set \(the map is the only authority\)$'
run -i "$TOKR" verify --user root --service direct --pam-dir "$P" user_map="$T/map_root"
rc_is "verify: sub root with a map that lacks it" 1
has "verify: user_map: root itself not mapped" '^rejected: reason=user_not_mapped '

# Display claims (issue 7, item 8): too long or unprintable, dropped.
NAME1025=$(printf 'n%.0s' $(seq 1 1025))
TOKD=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"email\":\"a\\nb@example.com\",\"name\":\"$NAME1025\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKD")
run -i "$TOKD" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: token with an over-long name and a control character in email" 0
has "verify: dropped name said" '^  name   dropped \(longer than 1024 bytes\): not exported, logged as claim_dropped$'
has "verify: dropped email said" '^  email  dropped \(has a control character\): not exported, logged as claim_dropped$'
TOKD=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"name\":7,\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKD")
run -i "$TOKD" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: a name that is not a string" 1
has "verify: non-string name is bad_claim" '^rejected: reason=bad_claim \(email or name is not a string, or jti not a printable string of 1 to 256 bytes\)$'

# A NUL byte: the module gets the answer of a PAM conversation, a C
# string, so it sees only what comes before the first NUL (pamtester-
# smoke.sh shows it through pam_wrapper and libpam); verify judges the
# same bytes and says what it ignored.
run_nul "$TOK2" "junk-after-the-nul"$'\n' verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: token, NUL, junk: accepted as by the module" 0
has "verify: token, NUL, junk: the verdict" "^accepted: user=$(q "$U") method=jwt$"
has "verify: token, NUL, junk: says what was ignored" "^  note: input after a NUL byte at offset ${#TOK2} ignored \(19 bytes\): the module never sees it \(a PAM conversation answer ends at its first NUL\)$"
run_nul "" "$TOK2" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: NUL, then a token: the module sees nothing" 1
has "verify: NUL first is empty" '^rejected: reason=empty '
has "verify: NUL at offset 0 noted" '^  note: input after a NUL byte at offset 0 ignored '
run_nul "not-a-token" "$TOK2" verify --user "$U" --service direct --pam-dir "$P"
rc_is "verify: garbage, NUL, a good token" 1
has "verify: only the garbage is judged" '^rejected: reason=malformed '
run -i "$TOK2" verify --user "$U" --service direct --pam-dir "$P"
hasnt "verify: no NUL note without a NUL" 'NUL byte'

# Command-line arguments override the pam.d ones.
run -i "$TOK2" verify --user "$U" --service direct --pam-dir "$P" mode=hmac
rc_is "verify: mode=hmac from the command line" 1
has "verify: overridden mode refuses the JWT" '^rejected: reason=method_not_allowed '

# HMAC through a sudo stack with mode=hmac.
HM=$("$CLI" hmac --secret-file "$T/s1" "$U")
TOKENS+=("$HM")
run -i "$HM" verify --user "$U" --service sudo --pam-dir "$P"
rc_is "verify: HMAC on the sudo stack" 0
has "verify: HMAC accepted" "^accepted: user=$(q "$U") method=hmac$"
has "verify: HMAC secret #1" '^  method hmac, line 3 of .*/both \(secret_file, secret #1\) matched '

# Through @include and "auth include", config= in the included line.
run -i "$TOK2" verify --user "$U" --service viainclude --pam-dir "$P"
rc_is "verify: via @include" 0
has "verify: @include names the included file" "^  service viainclude: $(q "$P/common-at"):1: auth required pam_agentictrust\.so$"
run -i "$TOK2" verify --user "$U" --service viaauthinclude --pam-dir "$P"
rc_is "verify: via auth include" 0
has "verify: config file's mode=jwt applies" "^  arguments config=$(q "$T/conf")$"

# Continuations, comments and brackets.
run -i "$TOK2" verify --user "$U" --service cont --pam-dir "$P"
rc_is "verify: continued line with brackets" 0
has "verify: bracketed control rebuilt" '^  service cont: .*/cont:2: auth \[success=ok +default=bad\] pam_agentictrust\.so$'
has "verify: bracketed argument with spaces and \\]" "^  arguments secret_file=$(q "$T/both") \[prompt=Agentic \] token: \]$"

# Two pam_agentictrust lines: each explained, every one must accept.
run -i "$TOK2" verify --user "$U" --service two --pam-dir "$P"
rc_is "verify: two lines, the second refuses JWTs" 1
count_is "verify: two verdicts" '^(accepted|rejected|refused): ' 2
has "verify: first line accepts" '^accepted: user='
has "verify: second line refuses the method" '^rejected: reason=method_not_allowed '
has "verify: line 2 of 2 labelled" '\(pam_agentictrust line 2 of 2\)$'
has "verify: summary" '^summary: 2 pam_agentictrust lines: 1 accepted, 1 rejected, 0 refused'

# Per-method secrets.  The forgery: the id "<header>.<payload>" given to
# the backend's HMAC (here `agentictrust hmac`), its hex output turned
# into base64url, is that JWT's signature.
NOW=$(date +%s)
FH=$(printf '%s' "$HDR" | b64url)
FP=$(printf '{"sub":"%s","exp":%d}' "$U" $((NOW + 600)) | b64url)
FHEX=$("$CLI" hmac --secret-file "$T/hmac1" "$FH.$FP")
FORGED="$FH.$FP.$(printf '%s' "$FHEX" | xxd -r -p | b64url)"
TOKENS+=("$FHEX" "$FORGED")
run -i "$FORGED" verify --user "$U" secret_file="$T/hmac1"
rc_is "verify: one secret for both: the forgery is accepted (the known risk)" 0
run -i "$FORGED" verify --user "$U" mode=jwt secret_file="$T/hmac1"
rc_is "verify: mode=jwt does not stop it" 0
run -i "$FORGED" verify --user "$U" hmac_secret_file="$T/hmac1" jwt_secret_file="$T/jwt2"
rc_is "verify: separate secrets: the forgery is refused" 1
has "verify: forgery is bad_signature" '^rejected: reason=bad_signature '
TOKS2=$("$CLI" token --secret-file "$T/jwt2" --sub "$U")
TOKENS+=("$TOKS2")
run -i "$TOKS2" verify --user "$U" hmac_secret_file="$T/hmac1" jwt_secret_file="$T/jwt2"
rc_is "verify: separate secrets: a JWT under the JWT secret" 0
has "verify: names the JWT file and its line" "^  method jwt, line 1 of $(q "$T/jwt2") \(jwt_secret_file, secret #1\) matched \(logged as secret=0\)$"
HM1=$("$CLI" hmac --secret-file "$T/hmac1" "$U")
run -i "$HM1" verify --user "$U" secret_file="$T/both" jwt_secret_file="$T/jwt2"
rc_is "verify: secret_file serves HMAC when only jwt_secret_file is set" 0
has "verify: names secret_file for HMAC" "^  method hmac, line 3 of $(q "$T/both") \(secret_file, secret #1\) matched "
run -i "$TOKS2" verify --user "$U" hmac_secret_file="$T/hmac1"
rc_is "verify: mode=any without a JWT secret" 2
has "verify: names the method without a secret" 'mode=any accepts JWTs but no secret file serves them'

# Configuration and usage errors: exit 2.
run -i "$TOK2" verify --user "$U" --service badperm --pam-dir "$P"
rc_is "verify: unusable secret file" 2
has "verify: refused with the module's reason" '^refused: reason=secret_unusable '
has "verify: the library's message" 'secret file .*/s644: mode 0644 gives others access'
run -i "$TOK2" verify --user "$U" secret_file="$T/both" bogus
rc_is "verify: unknown option" 2
has "verify: bad_config" '^refused: reason=bad_config '
run -i "$TOK2" verify --user "$U" --service none --pam-dir "$P"
rc_is "verify: service without the module" 2
has "verify: says the module is missing" 'no auth line for pam_agentictrust\.so'
run -i "$TOK2" verify --user "$U" --service loop --pam-dir "$P"
rc_is "verify: include loop" 2
run -i "$TOK2" verify --service direct --pam-dir "$P"
rc_is "verify: no --user" 2
run -i "$TOK2" verify --user "$U" --pam-dir "$P" secret_file="$T/both"
rc_is "verify: --pam-dir without --service" 2

# Without --service the output is what it always was.
run -i "$TOK2" verify --user "$U" secret_file="$T/both"
rc_is "verify: module arguments only" 0
has "verify: legacy first line" "^accepted: user=$(q "$U") method=jwt$"
hasnt "verify: no service line without --service" '^  (service|arguments) '

# -------------------------------------------------------- token, hmac
# mint_err ARG...: `agentictrust token ARG...`; the token (stdout) in
# $TOK, stderr in $ERR (added to $ALL for the leak checks), status in $RC.
mint_err() {
	TOK=$("${NSSW[@]}" "${WRAP[@]}" "$CLI" token "$@" 2>"$T/mint.err")
	RC=$?
	ERR=$(cat "$T/mint.err")
	ALL+=$ERR$'\n'
	LAST="token $*"
	[ -n "$TOK" ] && TOKENS+=("$TOK")
	return 0
}
# The JSON of segment N (1: header, 2: claims) of $TOK.
seg() {
	local s

	s=$(printf '%s' "$TOK" | cut -d. -f"$1")
	case $((${#s} % 4)) in
	2) s+='==' ;;
	3) s+='=' ;;
	esac
	printf '%s' "$s" | basenc -d --base64url
}
# err_has DESC ERE: a line of $ERR matches.
err_has() { OUT=$ERR has "$@"; }

# A relative --secret-file is taken from the current directory; the
# library's checks walk the resolved path from /, and messages name it.
TP=$(cd "$T" && pwd -P)
cd "$T" || exit 1
mint_err --secret-file s1 --sub "$U"
rc_is "token: relative --secret-file" 0
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "token: relative --secret-file: the module accepts it" 0
# Captured apart from $ALL: a MAC on stdout is the job, not a leak.
HREL=$("${NSSW[@]}" "${WRAP[@]}" "$CLI" hmac --secret-file s1 "$U")
RC=$?
LAST="hmac --secret-file s1 $U"
rc_is "hmac: relative --secret-file" 0
HABS=$("${NSSW[@]}" "${WRAP[@]}" "$CLI" hmac --secret-file "$T/s1" "$U")
if [ "$HABS" = "$HREL" ] && [ -n "$HREL" ]; then
	ok "hmac: relative and absolute --secret-file give the same MAC"
else
	not_ok "hmac: relative and absolute --secret-file give the same MAC"
fi
TOKENS+=("$HREL")
run hmac --secret-file no-such-secret "$U"
rc_is "hmac: missing relative --secret-file" 1
has "hmac: the resolved path is named" "^agentictrust: error: secret file $(q "$TP/no-such-secret"): cannot open: "
hasnt "hmac: no \"not absolute\" for the CLI" 'not absolute'
mkdir -m 0775 "$T/relgw" && mkdir "$T/relgw/sub"
printf '%s\n' "$S1" >"$T/relgw/sub/s"
run token --secret-file relgw/sub/s --sub "$U"
rc_is "token: relative path under a group-writable directory" 1
has "token: the directory of the resolved path named" "directory $(q "$TP/relgw"): mode 0775 is group or world writable"
run -i "$TOK" fingerprint --secret-file s1
rc_is "fingerprint: relative --secret-file" 0
run -i "$TOK" verify --user "$U" secret_file=s1
rc_is "verify: the module still refuses a relative secret_file" 2
has "verify: relative secret_file is bad_config" '^refused: reason=bad_config '
run token --secret-file "" --sub "$U"
rc_is "token: empty --secret-file" 1
cd - >/dev/null || exit 1

# --exp / --nbf: absolute or relative; a note on stderr for a token not
# valid now, never the token there.
mint_err --secret-file "$T/s1" --sub "$U" --exp -5m
rc_is "token --exp -5m" 0
err_has "token --exp -5m: note on stderr" '^agentictrust: note: this token has already expired \(exp [0-9-]{10}T[0-9:]{8}Z, (300|30[0-9]) s ago'
[[ -n $TOK && $ERR != *"$TOK"* && $ERR != *"${TOK##*.}"* ]] &&
	ok "token --exp -5m: the token is not on stderr" ||
	not_ok "token --exp -5m: the token is not on stderr"
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "verify: minted expired" 1
has "verify: minted expired: reason=expired" '^rejected: reason=expired '
mint_err --secret-file "$T/s1" --sub "$U" --exp 2020-01-01T00:00:00Z
rc_is "token --exp ISO date" 0
OUT=$(seg 2)
has "token --exp ISO date: exp claim" '"exp":1577836800[,}]'
NOW=$(date +%s)
mint_err --secret-file "$T/s1" --sub "$U" --exp $((NOW + 1200)) --nbf +10m
rc_is "token --nbf +10m --exp UNIX" 0
err_has "token --nbf +10m: note on stderr" '^agentictrust: note: this token is not valid yet \(nbf [0-9T:Z-]{20}, in (600|59[0-9]|60[0-9]) s'
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "verify: minted not yet valid" 1
has "verify: minted not yet valid: reason=not_yet_valid" '^rejected: reason=not_yet_valid '
has "verify: --exp Unix seconds kept" "\"exp\":$((NOW + 1200))[,}]"
mint_err --secret-file "$T/s1" --sub "$U" --nbf -1h --exp +2h
rc_is "token --nbf -1h --exp +2h" 0
if [ -z "$ERR" ]; then ok "token valid now: nothing on stderr"; else not_ok "token valid now: nothing on stderr" "$ERR"; fi
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "verify: minted with nbf in the past" 0
has "verify: nbf claim present" '"nbf":[0-9]+'
mint_err --secret-file "$T/s1" --sub "$U" --exp now
err_has "token --exp now: expired" '^agentictrust: note: this token has already expired'
for bad in +90 5m +1w -5M "+ 5m" +5ms tomorrow 0 "" -1 +99999999999d \
	2021-02-29T00:00:00Z 2020-01-01 "2020-01-01 00:00:00" \
	2020-01-01T00:00:00 1e9 0x10 " 1700000000" 10000-01-01T00:00:00Z; do
	run token --secret-file "$T/s1" --sub "$U" --exp "$bad"
	rc_is "token --exp \"$bad\" refused" 2
done
run token --secret-file "$T/s1" --sub "$U" --nbf "+1x"
rc_is "token --nbf +1x refused" 2
has "token: the time forms said" '^agentictrust: --nbf: now, Unix seconds, YYYY-MM-DDTHH:MM:SSZ \(UTC\) or \+N/-N'
run token --secret-file "$T/s1" --sub "$U" --exp +1h --ttl 600
rc_is "token: --exp with --ttl" 2
has "token: --exp and --ttl exclusive" '^agentictrust: --exp and --ttl are exclusive$'
run token --secret-file "$T/s1" --sub "$U" --nbf +2h
rc_is "token: --nbf after the default exp" 2
has "token: nbf after exp said" '^agentictrust: --nbf must be before exp'

# --compact: no typ, no iat; --jti.
mint_err --secret-file "$T/s1" --sub "$U" --compact --jti job-42
rc_is "token --compact --jti" 0
OUT=$(seg 1)
has "token --compact: header is alg only" '^\{"alg":"HS256"\}$'
OUT=$(seg 2)
hasnt "token --compact: no iat" '"iat"'
has "token --compact: jti" '"jti":"job-42"'
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "verify: compact token accepted" 0
has "verify: compact header shown" '^  header \{"alg":"HS256"\}$'
has "verify: jti shown" '"jti":"job-42"'
mint_err --secret-file "$T/s1" --sub "$U"
OUT=$(seg 1)
has "token: the default header keeps typ" '^\{"alg":"HS256","typ":"JWT"\}$'
OUT=$(seg 2)
has "token: the default claims keep iat" '"iat":[0-9]+'
mint_err --secret-file "$T/s1" --sub "$U" --jti random
OUT=$(seg 2)
has "token --jti random: 32 hex digits" '"jti":"[0-9a-f]{32}"'
J1=$OUT
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "verify: random jti accepted" 0
mint_err --secret-file "$T/s1" --sub "$U" --jti random
if [ "$(seg 2)" != "$J1" ]; then ok "token --jti random: two differ"; else not_ok "token --jti random: two differ"; fi
J256=$(printf 'j%.0s' $(seq 1 256))
mint_err --secret-file "$T/s1" --sub "$U" --jti "$J256"
rc_is "token --jti of 256 bytes" 0
run -i "$TOK" verify --user "$U" secret_file="$T/s1"
rc_is "verify: jti of 256 bytes accepted" 0
for bad in "" "${J256}j" $'a\tb' $'a\001'; do
	run token --secret-file "$T/s1" --sub "$U" --jti "$bad"
	rc_is "token --jti refused (${#bad} bytes)" 2
done

# --help lists every subcommand of the dispatcher in main().
SRC=$(cd "$(dirname "$0")/../.." && pwd)/tools/agentictrust.c
if [ -r "$SRC" ]; then
	mapfile -t CMDS < <(grep -oE 'strcmp\(argv\[1\], "[a-z]+"\)' "$SRC" |
		sed -E 's/.*"([a-z]+)".*/\1/')
	if [ "${#CMDS[@]}" -ge 9 ]; then
		ok "dispatcher: ${#CMDS[@]} subcommands found (${CMDS[*]})"
	else
		not_ok "dispatcher: subcommands found" "${CMDS[*]}"
	fi
	run --help
	rc_is "--help" 0
	for c in "${CMDS[@]}"; do
		has "--help: usage line of $c" "^ +agentictrust $c( |\$)|^usage: agentictrust $c "
		has "--help: says what $c does" "^$c +[a-z]"
	done
else
	ok "# SKIP --help against the dispatcher: no $SRC"
fi

# -------------------------------------------------------- check
run check --service direct --pam-dir "$P"
rc_is "check: a good stack" 0
has "check: module line found" "^ok: $(q "$P/direct"):1: \"auth required pam_agentictrust\.so\", arguments: secret_file="
has "check: secret file ok, count, mode" "^ok: secret file $(q "$T/both"): 2 secret\(s\), mode 0600, owner uid $(id -u)$"
has "check: the module loads it" '^ok: the module loads 2 secret\(s\)$'
hasnt "check: no error on a good stack" '^error: '
count_is "check: one warning on a good stack: one secret for both methods" '^warning: ' 1
has "check: one secret serves both methods, and why" "^warning: secret_file $(q "$T/both") serves both HMAC credentials and JWTs: an HMAC credential for an id containing '\\.' is a valid JWT signature"
# mode=jwt does not help against that (review F5): never advised.
hasnt "check: mode=jwt is not offered as the cure" 'use mode=jwt'
has "check: the cure is a separate JWT secret" "^warning: secret_file $(q "$T/both") serves both HMAC credentials and JWTs: .*; give JWTs their own secret \\(jwt_secret_file\\), and never let the backend HMAC an id containing '\\.'$"
has "check: which file serves which method" "^ok: HMAC credentials: secret_file $(q "$T/both"); JWTs: secret_file $(q "$T/both")$"
has "check: the local-account policy said" '^ok: local accounts: external ids are local user names; root and system accounts \(uid below UID_MIN [0-9]+ or above UID_MAX [0-9]+ of /etc/login\.defs, uid 1-99, nobody\) are refused \(reason=system_user\)$'

# Local accounts: allow_system_users is a risk; with a map, the map decides.
run check --service direct --pam-dir "$P" allow_system_users
rc_is "check: allow_system_users" 0
has "check: allow_system_users warned" '^warning: allow_system_users without user_map: an app user whose id is root, postgres, backup or any other system account.s name holds a credential for that local account'
hasnt "check: no policy ok line with the flag" '^ok: local accounts'
run check --service direct --pam-dir "$P" user_map="$T/map_root"
rc_is "check: a map naming root and a system account" 0
has "check: the map decides" '^ok: local accounts: the user map alone decides which ones a credential opens'
has "check: map entry opening root warned" "^warning: user map $(q "$T/map_root"):1: the local user is root \(uid 0\): allowed, since the map is the only authority$"
has "check: map entry opening a system account warned" "^warning: user map $(q "$T/map_root"):2: the local user is a system account \(uid 999\): allowed"
run check --service direct --pam-dir "$P" user_map="$T/map_ok" allow_system_users
rc_is "check: a map and allow_system_users" 0
has "check: the flag has no effect with a map" '^warning: allow_system_users has no effect with user_map'
hasnt "check: a normal user in the map is not warned" '^warning: user map'
# accounts=any (issue 9, item 1): said, and a map naming a non-Unix local
# user is a note, not the "does not exist" warning.
printf 'ext-42 %s\n' "$NOUSER" >"$T/map_nounix"
run check --service direct --pam-dir "$P" accounts=any user_map="$T/map_nounix"
rc_is "check: accounts=any" 0
has "check: accounts=any said" '^note: accounts=any: a PAM user that is not a Unix account may authenticate '
has "check: accounts=any, map to a non-Unix name" "^note: user map $(q "$T/map_nounix"):1: the local user is not a Unix account \(accounts=any\)$"
hasnt "check: accounts=any, no does-not-exist warning" 'does not exist on this system'
run check --service direct --pam-dir "$P" user_map="$T/map_nounix"
has "check: accounts=unix, the missing local user warned" "^warning: user map $(q "$T/map_nounix"):1: the local user does not exist on this system$"
hasnt "check: accounts=unix, no accounts=any note" 'accounts=any'

run check --service viainclude --pam-dir "$P"
rc_is "check: via @include" 0
has "check: @include followed" "^ok: $(q "$P/common-at"):1: "
has "check: config file read" "^ok: config file $(q "$T/conf") read$"
run check --service viaauthinclude --pam-dir "$P"
rc_is "check: via auth include" 0
has "check: auth include followed" "^ok: $(q "$P/common-at"):1: "
has "check: account lines not counted" "^ok: service viaauthinclude: .* read, 1 auth module line\(s\)$"
run check --service dash --pam-dir "$P"
rc_is "check: -auth and an absolute module path" 0
has "check: -auth line found" '^ok: .*/dash:1: "-auth required /lib/x86_64-linux-gnu/security/pam_agentictrust\.so"'
run check --service cont --pam-dir "$P"
rc_is "check: continuation lines" 0

# An auth-stack pam_env user_readenv=1 after the module's line: its
# setcred gives the user's ~/.pam_environment the last word.
run check --service envafter --pam-dir "$P"
rc_is "check: pam_env user_readenv after the module is a warning" 0
has "check: pam_env after the module named" "^warning: $(q "$P/envafter"):2: \"auth optional pam_env\.so\" with user_readenv=1 comes after pam_agentictrust\.so \($(q "$P/envafter"):1\): its setcred re-reads the user's ~/\.pam_environment .*move it before the module's auth line$"
run check --service envbefore --pam-dir "$P"
rc_is "check: pam_env before the module" 0
hasnt "check: pam_env before the module, or without user_readenv, is fine" 'pam_environment'
for v in env2 env01 envbr envsp envlast1; do
	run check --service $v --pam-dir "$P"
	rc_is "check: pam_env $v after the module" 0
	has "check: pam_env $v: user_readenv on, as pam_env reads it" "^warning: $(q "$P/$v"):2: \"auth optional pam_env\.so\" with .*user_readenv=.* comes after pam_agentictrust\.so \($(q "$P/$v"):1\): its setcred re-reads"
done
run check --service envbr --pam-dir "$P"
has "check: the bracketed argument shown bracketed" ' with \[user_readenv=1 \] comes after '
run check --service envlast1 --pam-dir "$P"
has "check: the argument that decides is named" ' with user_readenv=1 comes after '
for v in envlast0 envoff; do
	run check --service $v --pam-dir "$P"
	rc_is "check: pam_env $v: user_readenv off" 0
	hasnt "check: pam_env $v: no warning" 'pam_environment'
done
for v in envsuff envdone envjump; do
	run check --service $v --pam-dir "$P"
	rc_is "check: pam_env $v: not reached for setcred after the module" 0
	hasnt "check: pam_env $v: no warning" 'pam_environment'
done
run check --service envjump1 --pam-dir "$P"
rc_is "check: a jump that lands on pam_env" 0
has "check: success=1 lands on pam_env" "^warning: $(q "$P/envjump1"):3: \"auth optional pam_env\.so\" with user_readenv=1 comes after pam_agentictrust\.so .*its setcred re-reads"
run check --service envmid --pam-dir "$P"
rc_is "check: pam_env after a sufficient line after the module" 0
has "check: pam_env reached when the sufficient line fails" "^warning: $(q "$P/envmid"):3: \"auth optional pam_env\.so\" with user_readenv=1 comes after pam_agentictrust\.so \($(q "$P/envmid"):1\) and is reached for setcred when \"auth sufficient pam_unix\.so\" \($(q "$P/envmid"):2\) does not succeed: then its setcred re-reads the user's ~/\.pam_environment .*move it before the module's auth line$"

run check --service suff --pam-dir "$P"
rc_is "check: sufficient before the module is a warning" 0
has "check: sufficient skips the module" "^warning: $(q "$P/suff"):1: \"auth sufficient pam_unix\.so\" comes before pam_agentictrust\.so \($(q "$P/suff"):2\): when it succeeds, the stack ends there and pam_agentictrust\.so is skipped$"
run check --service jump2 --pam-dir "$P"
rc_is "check: a jump over the module is a warning" 0
has "check: success=2 jumps over it" '^warning: .*/jump2:1: "auth \[success=2 default=ignore\] pam_unix\.so" .*it jumps over 2 module\(s\) and pam_agentictrust\.so is skipped$'
run check --service jump1 --pam-dir "$P"
rc_is "check: a jump that lands on the module" 0
hasnt "check: success=1 does not skip it" '^warning: .*is skipped'
run check --service after --pam-dir "$P"
hasnt "check: sufficient after the module is fine" '^warning: .*is skipped'
run check --service substack --pam-dir "$P"
rc_is "check: sufficient inside a substack" 0
hasnt "check: done in a substack ends only the substack" '^warning: .*is skipped'

run check --service sudo --pam-dir "$P"
rc_is "check: sudo with mode=hmac" 0
has "check: HMAC never expires on sudo" '^warning: service sudo: mode=hmac accepts HMAC credentials, and HMAC credentials never expire'
run check --service sudo-any --pam-dir "$P"
has "check: mode=any on sudo warned too" '^warning: service sudo-any: mode=any accepts HMAC credentials'
run check --service sudo-jwt --pam-dir "$P"
rc_is "check: sudo with mode=jwt" 0
hasnt "check: no HMAC warning with mode=jwt" 'never expire'
run check --service direct --pam-dir "$P" mode=hmac
hasnt "check: HMAC warning only for sudo services" 'never expire'

run check --service optional --pam-dir "$P"
rc_is "check: optional control" 0
has "check: optional proves nothing" '^warning: .*/optional:1: "auth optional pam_agentictrust\.so": .*proves nothing alone'
run check --service bracket-optional --pam-dir "$P"
has "check: [success=ok default=ignore] proves nothing" '^warning: .*auth_err=ignore.*proves nothing alone'

run check --service two --pam-dir "$P"
rc_is "check: two module lines" 0
count_is "check: both lines checked" '^ok: .*/two:[12]: "auth (sufficient|required) pam_agentictrust\.so" \(one of several' 2

run check --service none --pam-dir "$P"
rc_is "check: module not in the auth stack" 1
has "check: module missing is an error" '^error: service none: no auth line for pam_agentictrust\.so'
run check --service loop --pam-dir "$P"
rc_is "check: include loop" 1
has "check: loop named" '^error: service loop: .*/loop2:1: include loop: the file it includes is already being read$'
run check --service missing-include --pam-dir "$P"
rc_is "check: missing included file" 1
has "check: missing include named by its line" '^error: service missing-include: .*/missing-include:1: cannot open the included file: No such file or directory$'
hasnt "check: missing include: the line's word not shown" 'not-there'
run check --service no-such-service --pam-dir "$P"
rc_is "check: no service file" 1
has "check: missing service named" '^error: service no-such-service: cannot open .*/no-such-service: No such file'

# The secret file.
run check secret_file="$T/s600"
rc_is "check: 0600 secret file" 0
has "check: 0600 ok" '^ok: secret file .*/s600: 1 secret\(s\), mode 0600'
run check secret_file="$T/s644"
rc_is "check: 0644 secret file" 1
has "check: world readable refused" '^error: secret file .*/s644: mode 0644 gives others access \(chmod o-rwx\)$'
has "check: the module's reason" '^error: the module cannot use this configuration \(reason=secret_unusable\)$'
run check secret_file="$T/s660"
rc_is "check: 0660 secret file" 1
has "check: group writable refused" '^error: secret file .*/s660: mode 0660 is group or world writable$'
run check secret_file="$T/s602"
rc_is "check: 0602 secret file" 1
has "check: world writable refused" '^error: secret file .*/s602: mode 0602 is group or world writable$'
run check secret_file="$T/s640"
rc_is "check: 0640 secret file" 0
has "check: group readable: names the group and what its members can do" "^warning: secret file .*/s640: mode 0640 lets group \"$(q "$(stat -c %G "$T/s640")")\" \\(gid $(stat -c %g "$T/s640")\\) read it: every member of that group can mint credentials for every user"
# A POSIX ACL (issue 7 review, F4): u:nobody:r-- shows as group read
# (the group bits are the mask), but it is nobody who can read the file.
# check must blame the ACL, never the group.  setfacl: package acl.
if ! command -v setfacl >/dev/null 2>&1; then
	not_ok "setfacl (package acl, scripts/install-deps.sh) is installed"
elif ! setfacl -m u:65534:r-- "$T/s600" 2>"$T/setfacl.err"; then
	echo "# skip ACL checks: setfacl failed on $T: $(cat "$T/setfacl.err")"
else
	run check secret_file="$T/s600"
	rc_is "check: secret file with a named-user ACL" 1
	has "check: ACL: says the ACL is the problem" "^error: secret file $(q "$T/s600"): has an extended POSIX ACL \\(entries for a named user or group, or a mask\\), refused whatever it grants: the group bits of its mode \\(0640\\) are the ACL's mask, not the group's access; see getfacl $(q "$T/s600"), remove it with setfacl -b $(q "$T/s600")$"
	hasnt "check: ACL: the group is not blamed" 'lets group|group or world'
	has "check: ACL: the module's reason" '^error: the module cannot use this configuration \(reason=secret_unusable\)$'
	run -i "$TOK2" verify --user "$U" secret_file="$T/s600"
	rc_is "verify: secret file with an ACL is refused" 2
	setfacl -b "$T/s600"
	run check secret_file="$T/s600"
	rc_is "check: setfacl -b fixes it" 0
	# A config file: a named user who may write it shows as group write.
	cp "$T/conf" "$T/conf_acl"
	chmod 0644 "$T/conf_acl"
	setfacl -m u:65534:rw- "$T/conf_acl"
	run check config="$T/conf_acl"
	rc_is "check: config file with a named-user write ACL" 1
	has "check: config ACL: group writable, because of the ACL" "^error: file $(q "$T/conf_acl"): mode 0664 is group or world writable \\(the group bits are a POSIX ACL's mask: a named user or group may write; see getfacl $(q "$T/conf_acl")\\)$"
fi
run check secret_file="$T/short"
rc_is "check: short secret" 1
has "check: short secret named by line and length" '^error: secret file .*/short:1: secret #1 is 12 bytes, fewer than 32 \(RFC 7518 3\.2\)$'
has "check: short secret is secret_too_short" '\(reason=secret_too_short\)$'
run check secret_file="$T/many"
rc_is "check: 17 secrets" 1
has "check: too many secrets" '^error: secret file .*/many: 17 secrets, more than 16$'
run check secret_file="$T/absent"
rc_is "check: missing secret file" 1
has "check: missing secret file named" '^error: secret file .*/absent: cannot open: No such file or directory$'

# Per-method secret files.
run check hmac_secret_file="$T/hmac1" jwt_secret_file="$T/jwt2"
rc_is "check: separate secrets" 0
hasnt "check: separate secrets: no warning" '^warning: '
has "check: each method's file" "^ok: HMAC credentials: hmac_secret_file $(q "$T/hmac1"); JWTs: jwt_secret_file $(q "$T/jwt2")$"
has "check: the module loads both" '^ok: the module loads 2 secret\(s\)$'
run check hmac_secret_file="$T/hmac1" jwt_secret_file="$T/jwt_same"
rc_is "check: the same secret in both files is a warning" 0
has "check: identical secret named by file and line" "^warning: $(q "$T/hmac1"):1 \\(hmac_secret_file\\) and $(q "$T/jwt_same"):3 \\(jwt_secret_file\\) hold the same secret: an HMAC credential for an id containing '\\.' is a valid JWT signature"
run check secret_file="$T/hmac1" jwt_secret_file="$T/jwt_same"
has "check: identical secret, secret_file serving HMAC" "^warning: $(q "$T/hmac1"):1 \\(secret_file\\) and $(q "$T/jwt_same"):3 \\(jwt_secret_file\\) hold the same secret"
run check hmac_secret_file="$T/hmac1" jwt_secret_file="$T/hmac1"
has "check: one file named for both" "^warning: $(q "$T/hmac1"):1 \\(hmac_secret_file\\) and $(q "$T/hmac1"):1 \\(jwt_secret_file\\) hold the same secret"
run check secret_file="$T/both" mode=jwt
rc_is "check: mode=jwt with secret_file" 0
hasnt "check: mode=jwt: one secret does not serve both here" 'serves both'
has "check: HMAC refused by mode" "^ok: HMAC credentials: refused by mode=jwt; JWTs: secret_file $(q "$T/both")$"
has "check: mode=jwt with secret_file alone: the HMAC path note" "^note: JWTs are verified with secret_file $(q "$T/both"): if this is the dashboard secret that the widget's HMAC credentials also use, JWTs can be forged through the HMAC path \\(an HMAC credential for an id containing '\\.' is a valid JWT signature\\), whatever mode says here; sign JWTs with a separate secret and name it in jwt_secret_file$"
hasnt "check: the note is no warning" '^warning: '
run check secret_file="$T/both" jwt_secret_file="$T/jwt2" mode=jwt
rc_is "check: mode=jwt with jwt_secret_file" 0
hasnt "check: a separate JWT secret: no HMAC path note" 'HMAC path'
run check jwt_secret_file="$T/jwt2" hmac_secret_file="$T/absent" mode=jwt
rc_is "check: a per-method file that mode excludes" 0
has "check: excluded file named, not read" "^warning: hmac_secret_file $(q "$T/absent") is set but mode=jwt refuses HMAC credentials: the module does not read it$"
run check hmac_secret_file="$T/hmac1"
rc_is "check: mode=any without a JWT secret" 1
has "check: the method without a secret" '^error: mode=any accepts JWTs but no secret file serves them: set jwt_secret_file or secret_file$'
has "check: is bad_config" '^error: the module cannot use this configuration \(reason=bad_config\)$'
run check hmac_secret_file="$T/hmac1" jwt_secret_file="$T/s644"
rc_is "check: unusable JWT secret file" 1
has "check: lints the per-method file" '^error: secret file .*/s644: mode 0644 gives others access'
run check hmac_secret_file="$T/s644" jwt_secret_file="$T/jwt2"
rc_is "check: unusable HMAC secret file" 1
has "check: lints the HMAC file" '^error: secret file .*/s644: mode 0644 gives others access'
run check hmac_secret_file="$T/ws_line" jwt_secret_file="$T/ws_line"
rc_is "check: one refused file for both" 1
count_is "check: its bad line reported once" ':2: line of only white space' 1

# Secret files that mean something else: exit 1, the line named, never
# its bytes.
run check secret_file="$T/ws_line"
rc_is "check: a line of white space" 1
has "check: white-space line named" "^error: secret file $(q "$T/ws_line"):2: line of only white space"
has "check: the module refuses it too" '^error: the module cannot use this configuration \(reason=secret_unusable\)$'
run check secret_file="$T/ws_trail"
rc_is "check: trailing white space" 1
has "check: trailing white space named" "^error: secret file $(q "$T/ws_trail"):1: white space after the secret"
run check secret_file="$T/ws_lead"
rc_is "check: leading white space" 1
has "check: leading white space named" "^error: secret file $(q "$T/ws_lead"):1: white space before the secret"
run check secret_file="$T/nbsp_trail"
rc_is "check: a no-break space after the secret" 1
has "check: no-break space named by line" "^error: secret file $(q "$T/nbsp_trail"):1: ends with a byte that is not printable ASCII"
run check secret_file="$T/zwsp_lead"
rc_is "check: a zero-width space before the secret" 1
has "check: zero-width space named by line" "^error: secret file $(q "$T/zwsp_lead"):1: begins with a byte that is not printable ASCII"
if [[ $ALL == *$'\302\240'* || $ALL == *$'\342\200\213'* ]]; then
	not_ok "no byte of the Unicode white space is printed"
else
	ok "no byte of the Unicode white space is printed"
fi
run check secret_file="$T/lrm_trail"
rc_is "check: a left-to-right mark after the secret" 1
has "check: left-to-right mark named by line" "^error: secret file $(q "$T/lrm_trail"):1: ends with a byte that is not printable ASCII"
run check secret_file="$T/ctl_lead"
rc_is "check: a control character before the secret" 1
has "check: control character named by line" "^error: secret file $(q "$T/ctl_lead"):1: begins with a byte that is not printable ASCII"
if [[ $ALL == *$'\342\200\216'* || $ALL == *$'\037'* ]]; then
	not_ok "no byte of a non-ASCII or control edge is printed"
else
	ok "no byte of a non-ASCII or control edge is printed"
fi
run -i "$TOK2" verify --user "$U" secret_file="$T/nbsp_trail"
rc_is "verify: a no-break space after the secret is refused" 2
run check secret_file="$T/bom"
rc_is "check: byte order mark" 1
has "check: BOM named" "^error: secret file $(q "$T/bom"):1: .*byte order mark"
run check secret_file="$T/indented"
rc_is "check: indented comment" 1
has "check: indented comment named" "^error: secret file $(q "$T/indented"):2: indented comment"
run -i "$TOK2" verify --user "$U" secret_file="$T/ws_trail"
rc_is "verify: trailing white space refused" 2
has "verify: refused as secret_unusable" '^refused: reason=secret_unusable '
has "verify: the library names the line" "secret file $(q "$T/ws_trail"):1: white space after the secret"
run token --secret-file "$T/ws_trail" --sub "$U"
rc_is "token: refuses the file too" 1
run hmac --secret-file "$T/indented" "$U"
rc_is "hmac: refuses a file with a bad line after the first secret" 1
if [[ $ALL == *"$DIST"* ]]; then
	not_ok "no byte of a refused secret file is printed"
else
	ok "no byte of a refused secret file is printed"
fi

# The user map.
run check secret_file="$T/both" user_map="$T/map_ok"
rc_is "check: good user map" 0
has "check: map entries counted" '^ok: user map .*/map_ok: 1 entry$'
run check secret_file="$T/both" user_map="$T/map_dup"
rc_is "check: duplicate external id" 1
has "check: duplicate named with both lines" '^error: user map .*/map_dup:3: duplicate external id \(first on line 1\)$'
has "check: duplicate is file_unusable for the module" '\(reason=file_unusable\)$'
run check secret_file="$T/both" user_map="$T/map_same"
rc_is "check: two ids, one local user" 0
has "check: same local user warned" "^warning: user map .*/map_same:2: maps to the same local user as line 1$"
run check secret_file="$T/both" user_map="$T/map_nouser"
rc_is "check: map to a user that does not exist" 0
has "check: missing local user warned" "^warning: user map .*/map_nouser:1: the local user does not exist on this system$"
run check secret_file="$T/both" user_map="$T/map_bad"
rc_is "check: malformed map line" 1
has "check: malformed map line named" '^error: user map .*/map_bad:1: expected EXTERNAL_ID LOCAL_USER$'

# The compiled user map: agentictrust map compile / check, and which form
# check says the module uses.
run check secret_file="$T/both" user_map="$T/map_same"
has "check: a text map without an index" '^ok: user map .*/map_same: the module reads the text \(no compiled index\)$'
run map check "$T/map_same"
rc_is "map check: a text map" 0
has "map check: entries and users" '^ok: user map .*/map_same: 2 entries, 1 local user$'
has "map check: the text is in use" '^ok: the module reads the text \(no .*/map_same\.cdb\)$'
run map compile "$T/map_same"
rc_is "map compile" 0
has "map compile: says what it wrote" '^ok: .*/map_same\.cdb: 2 entries compiled from .*/map_same$'
if [ -f "$T/map_same.cdb" ] && [ "$(stat -c %a "$T/map_same.cdb")" = "$(stat -c %a "$T/map_same")" ]; then
	ok "map compile: MAP.cdb beside MAP, with its mode"
else
	not_ok "map compile: MAP.cdb beside MAP, with its mode"
fi
run map check "$T/map_same"
rc_is "map check: compiled and current" 0
has "map check: the index is in use" '^ok: the module uses the compiled index .*/map_same\.cdb \(built from this text\)$'
run check secret_file="$T/both" user_map="$T/map_same"
rc_is "check: a compiled map" 0
has "check: says the index is in use" '^ok: user map .*/map_same: the module uses the compiled index .*/map_same\.cdb \(built from this text\)$'
printf 'ext-3 %s\n' "$U" >>"$T/map_same"
run map check "$T/map_same"
rc_is "map check: stale index" 3
has "map check: stale named, compile again" '^warning: .*/map_same\.cdb was built from other text: the module reads the text on every authentication; run agentictrust map compile .*/map_same$'
run check secret_file="$T/both" user_map="$T/map_same"
rc_is "check: a stale index is a warning" 0
has "check: stale index warned" '^warning: user map .*/map_same: the compiled index .*/map_same\.cdb was built from other text: the module reads the text on every authentication; run agentictrust map compile '
run map compile "$T/map_same"
run map check "$T/map_same"
rc_is "map check: current again after compile" 0
chmod 0666 "$T/map_same.cdb"
run check secret_file="$T/both" user_map="$T/map_same"
rc_is "check: an unsafe index is an error" 1
has "check: unsafe index named" "^error: file $(q "$T/map_same.cdb"): mode 0666 is group or world writable"
run map check "$T/map_same"
rc_is "map check: an unsafe index is an error" 1
printf 'not a cdb' >"$T/map_same.cdb"
chmod 0644 "$T/map_same.cdb"
run map check "$T/map_same"
rc_is "map check: a corrupt index is an error" 1
has "map check: corrupt index named" 'map_same\.cdb: corrupt or not made by agentictrust map compile'
rm -f "$T/map_same.cdb"
run map compile "$T/map_dup"
rc_is "map compile: a map the module refuses" 1
has "map compile: the line named" 'map_dup:3: duplicate external id \(first on line 1\)$'
[ ! -e "$T/map_dup.cdb" ] && ok "map compile: nothing written for a bad map" ||
	not_ok "map compile: nothing written for a bad map"
run map check "$T/map_bad"
rc_is "map check: a bad line" 1
has "map check: bad line named" 'map_bad:1: expected EXTERNAL_ID LOCAL_USER$'
run map frobnicate "$T/map_ok"
rc_is "map: unknown verb" 2
run map compile
rc_is "map: no MAP" 2

# Options: the library's refusals, with its message.
run check secret_file="$T/both" bogus
rc_is "check: unknown option" 1
has "check: unknown option, lib message" '^error: unknown option "bogus"$'
has "check: refused configuration" '^error: the module refuses this configuration \(reason=bad_config\)'
run check secret_file="$T/both" mode=xyz
rc_is "check: malformed mode" 1
has "check: malformed value, lib message" '^error: option mode: malformed value "xyz" \(mode is any, jwt or hmac\)$'
run check secret_file="$T/both" leeway=301
rc_is "check: leeway 301" 1
has "check: leeway above 300 refused by the lib" '^error: option leeway: malformed value "301" \(leeway is 0\.\.300 s; the library refuses more\)$'
run check secret_file="$T/both" leeway=200
rc_is "check: leeway 200" 0
has "check: long leeway warned" '^warning: leeway 200 s is long'
run check secret_file="$T/both" leeway=120
hasnt "check: leeway 120 is fine" '^warning: leeway'
run check secret_file="$T/both" use_first_pass try_first_pass
rc_is "check: use_first_pass with try_first_pass" 1
has "check: exclusive passes, lib message" '^error: use_first_pass and try_first_pass are exclusive$'
run check secret_file="$T/both" allow_no_exp max_ttl=600
rc_is "check: allow_no_exp with max_ttl" 0
has "check: allow_no_exp has no effect" '^warning: allow_no_exp has no effect: max_ttl requires exp and iat'
run check secret_file="$T/both" mode=hmac issuer=https://issuer.example audience=ops max_ttl=600
rc_is "check: mode=hmac with JWT-only options" 1
has "check: issuer ignored under hmac" '^error: issuer is set but mode=hmac'
has "check: audience ignored under hmac" '^error: audience is set but mode=hmac'
has "check: max_ttl ignored under hmac" '^error: max_ttl is set but mode=hmac'
run check secret_file="$T/both" mode=hmac allow_no_exp
rc_is "check: mode=hmac with allow_no_exp" 0
has "check: allow_no_exp pointless under hmac" '^warning: allow_no_exp has no effect with mode=hmac$'
run check secret_file="$T/both" issuer=https://issuer.example
has "check: mode=any does not bind HMAC to issuer" '^warning: mode=any also accepts HMAC credentials'
run check mode=jwt
rc_is "check: no secret_file" 1
has "check: no secret file, lib message names the method" '^error: mode=jwt accepts JWTs but no secret file serves them: set jwt_secret_file or secret_file$'
has "check: no secret_file is bad_config" '^error: the module cannot use this configuration \(reason=bad_config\)$'
run check config="$T/conf666"
rc_is "check: unsafe config file" 1
has "check: config file mode, lib message" '^error: file .*/conf666: mode 0666 is group or world writable$'
run check config="$T/conf"
rc_is "check: config file only" 0
has "check: config file values" '^ok: configuration loads: mode=jwt leeway=60 s'

# Nothing of a file that does not parse is printed (--pam-dir /etc
# --service shadow once printed a line of /etc/shadow): the file, the
# line, what is wrong.
CANARY=AtCliCanary7q
mkdir "$T/leak"
printf '%s:*:19000:0:::\nroot:*:19000:0:99999:7:::\n' "$CANARY" >"$T/leak/shadow"
printf 'auth %s pam_x.so\n' "$CANARY" >"$T/leak/control"
printf '@include %s\n' "$CANARY" >"$T/leak/include"
printf '%s ext-1 %s\next-1 %s\n' "$CANARY" "$U" "$U" >"$T/leakmap"
printf 'ext-1 %s\next-1 %s\next-2 %s\next-3 %s\n' "$CANARY" "$CANARY" "$CANARY" "$U" >"$T/leakmap2"
printf 'leeway = %s\n' "$CANARY" >"$T/leakconf"
printf '%s = 1\n' "$CANARY" >"$T/leakconf2"
printf '%s\n' "$CANARY" >"$T/leakconf3"
chmod 0644 "$T/leakconf" "$T/leakconf2" "$T/leakconf3"
for svcname in shadow control include; do
	run check --service "$svcname" --pam-dir "$T/leak"
	rc_is "check: a file that is no PAM service ($svcname)" 1
	has "check: $svcname: names the file and line" "^error: service $svcname: $(q "$T/leak/$svcname"):1: "
	hasnt "check: $svcname: prints nothing of the file" "$CANARY"
	run -i "$TOK2" verify --user "$U" --service "$svcname" --pam-dir "$T/leak"
	rc_is "verify: a file that is no PAM service ($svcname)" 2
	has "verify: $svcname: names the file and line" "^agentictrust: $(q "$T/leak/$svcname"):1: "
	hasnt "verify: $svcname: prints nothing of the file" "$CANARY"
done
run check secret_file="$T/both" user_map="$T/leakmap"
rc_is "check: a user map with a bad line" 1
has "check: bad map line named" "^error: user map $(q "$T/leakmap"):1: expected EXTERNAL_ID LOCAL_USER$"
hasnt "check: bad map line not printed" "$CANARY"
run check secret_file="$T/both" user_map="$T/leakmap2"
rc_is "check: a user map with a duplicate id" 1
has "check: duplicate id named by line" "^error: user map $(q "$T/leakmap2"):2: duplicate external id \(first on line 1\)$"
has "check: missing local user named by line" "^warning: user map $(q "$T/leakmap2"):1: the local user does not exist on this system$"
has "check: same local user named by lines" "^warning: user map $(q "$T/leakmap2"):3: maps to the same local user as line 1$"
hasnt "check: map fields not printed" "$CANARY"
for c in leakconf leakconf2 leakconf3; do
	run check config="$T/$c"
	rc_is "check: a config file that does not parse ($c)" 1
	has "check: $c: line named" "^error: $(q "$T/$c"):1: "
	hasnt "check: $c: prints nothing of the file" "$CANARY"
	run -i "$TOK2" verify --user "$U" config="$T/$c"
	rc_is "verify: a config file that does not parse ($c)" 2
	hasnt "verify: $c: prints nothing of the file" "$CANARY"
done
run check config="$T/leakconf"
has "check: a bad value names its option" '^error: option leeway: malformed value \(leeway is 0\.\.300 s'

# Every directory above the files must be safe (sshd StrictModes): the
# offending one is named, with its mode or owner.
mkdir "$T/gw" "$T/gw/sub"
chmod 0775 "$T/gw"
printf '%s\n' "$S1" >"$T/gw/sub/secret"
printf 'ext-42 %s\n' "$U" >"$T/gw/sub/map"
printf 'secret_file = %s\n' "$T/both" >"$T/gw/sub/conf"
run check secret_file="$T/gw/sub/secret"
rc_is "check: secret file under a group-writable directory" 1
has "check: the directory and its mode named" "^error: secret file $(q "$T/gw/sub/secret"): directory $(q "$T/gw"): mode 0775 is group or world writable \(owner uid $(id -u); only a root-owned sticky directory may be\)$"
has "check: the module cannot use it" '^error: the module cannot use this configuration \(reason=secret_unusable\)$'
run -i "$TOK2" verify --user "$U" secret_file="$T/gw/sub/secret"
rc_is "verify: secret file under a group-writable directory" 2
has "verify: refused, secret_unusable" '^refused: reason=secret_unusable '
has "verify: the directory named" "directory $(q "$T/gw"): mode 0775 is group or world writable"
run check secret_file="$T/both" user_map="$T/gw/sub/map"
rc_is "check: user map under a group-writable directory" 1
has "check: user map's directory named" "^error: file $(q "$T/gw/sub/map"): directory $(q "$T/gw"): mode 0775 "
run check config="$T/gw/sub/conf"
rc_is "check: config file under a group-writable directory" 1
has "check: config file's directory named" "^error: file $(q "$T/gw/sub/conf"): directory $(q "$T/gw"): mode 0775 "
chmod 0757 "$T/gw"
run check secret_file="$T/gw/sub/secret"
has "check: world-writable directory named" "^error: secret file .*: directory $(q "$T/gw"): mode 0757 "
chmod 0755 "$T/gw"
run check secret_file="$T/gw/sub/secret"
rc_is "check: the same files once the directory is fixed" 0
# A link to a directory is followed, the link's directory checked.
ln -s "$T/gw/sub" "$T/linked"
run check secret_file="$T/linked/secret"
rc_is "check: a secret file through a symbolic link to its directory" 0
if [ "$(id -u)" -eq 0 ]; then
	# An unused uid owns the directory.
	ouid=54321
	while getent passwd "$ouid" >/dev/null; do ouid=$((ouid + 1)); done
	chown "$ouid" "$T/gw"
	run check secret_file="$T/gw/sub/secret"
	rc_is "check: directory owned by another uid" 1
	has "check: the directory and its owner named" "^error: secret file .*: directory $(q "$T/gw"): owned by uid $ouid, not root or 0 \(mode 0755\)$"
	chown 0 "$T/gw"
else
	ok "# SKIP check: directory owned by another uid (needs root to chown)"
fi

# Usage errors.
run check --pam-dir "$P"
rc_is "check: --pam-dir without --service" 2
run check --bogus
rc_is "check: unknown option of check" 2
run check --service ../etc/passwd
rc_is "check: service name with a slash" 2

# -------------------------------------------------------- leaks
leak=
for s in "$S1" "$S2" "$S3" "$SHORT" "$DIST"; do
	[[ $ALL == *"$s"* ]] && leak+=" a secret;"
done
for t in "${TOKENS[@]}"; do
	[[ $ALL == *"$t"* ]] && leak+=" a token;"
	sig=${t##*.}
	[ -n "$sig" ] && [[ $ALL == *"$sig"* ]] && leak+=" a signature;"
done
if [ -z "$leak" ]; then
	ok "no secret, token or signature in any output (${#TOKENS[@]} credentials, 5 secrets)"
else
	not_ok "no secret, token or signature in any output" "found:$leak"
fi

# A sanitizer or valgrind report can hide behind an expected exit 1.
if printf '%s\n' "$ALL" |
	grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|^==[0-9]+=='; then
	not_ok "no sanitizer or valgrind report in any output" \
		"$(printf '%s\n' "$ALL" | grep -E -m 20 'Sanitizer|runtime error:|^==[0-9]+==')"
else
	ok "no sanitizer or valgrind report in any output"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
