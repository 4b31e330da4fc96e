#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job, end to end, on a fresh Debian 12 machine:
#   install dependencies, build, generate a secret, mint a JWT and an HMAC
#   with the CLI, and verify each through libpam with pam_agentictrust.so,
#   plus forgeries that must be refused.
#
# The PAM stack lives in a private service directory read through cwrap's
# pam_wrapper (LD_PRELOAD), so the system's /etc/pam.d is never touched.
# The user is agent-demo (uid 1500) of a private user database read
# through cwrap's nss_wrapper, so no account is created on the machine
# (the module refuses root, who runs this in CI, and system accounts).
# The PAM client is pamtester, a real libpam application.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

bash scripts/install-deps.sh
if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
cli=$top/build/tools/agentictrust
module=$top/build/pam_agentictrust.so

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
user=agent-demo

# The users the demo's processes see (nss_wrapper): agent-demo, a normal
# account, and root.
cat >"$work/passwd" <<PASSWD
root:x:0:0:root:/root:/bin/sh
$user:x:1500:1500:Agentic Trust demo operator:/nonexistent:/bin/sh
PASSWD
printf 'root:x:0:\n%s:x:1500:\n' "$user" >"$work/group"
nss=(NSS_WRAPPER_PASSWD="$work/passwd" NSS_WRAPPER_GROUP="$work/group")

# A fresh secret, like the dashboard's "Generate Secret" (shown once).
openssl rand -hex 32 >"$work/secret"
openssl rand -hex 32 >"$work/other-secret"

mkdir "$work/pam.d"
cat >"$work/pam.d/agentictrust-demo" <<PAM
# As a sysadmin would write it in /etc/pam.d/<service>: the account
# line admits exactly what the auth line verified in the same handle.
auth     required  $module secret_file=$work/secret mode=any
account  required  $module
PAM
# Single use and revocation (issue 8): a JWT-only stack with a state
# store, here SQLite in a private directory.
mkdir -m 700 "$work/state"
store="sqlite:$work/state/state.db"
cat >"$work/pam.d/agentictrust-demo-once" <<PAM
auth     required  $module secret_file=$work/secret mode=jwt single_use store=$store
# The account phase re-checks expiry and revocation of what auth
# verified.
account  required  $module store=$store
PAM
# libpam wants an "other" fallback; deny everything there.
echo "auth required pam_deny.so" >"$work/pam.d/other"

# Authenticate a user ($user unless a fourth argument names another)
# through libpam with the credential on stdin; print the verdict and the
# module's own syslog line (pam_wrapper routes pam_syslog to its debug
# log, which we read from stderr).
pam_check() {
	local label=$1 cred=$2 want=$3 who=${4:-$user} out rc verdict
	local service=${service:-agentictrust-demo}
	set +e
	out=$(printf '%s\n' "$cred" |
		env LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" \
			"${nss[@]}" PAM_WRAPPER=1 \
			PAM_WRAPPER_SERVICE_DIR="$work/pam.d" \
			PAM_WRAPPER_DEBUGLEVEL=2 \
			pamtester "$service" "$who" authenticate \
			acct_mgmt 2>&1)
	rc=$?
	set -e
	verdict=REJECTED
	[ $rc -eq 0 ] && verdict=ACCEPTED
	printf '%-44s %s\n' "$label" "$verdict"
	printf '%s\n' "$out" | sed -n 's/.*SYSLOG([0-9]*): \(.*agentictrust.*\|accepted.*\|rejected.*\|refused.*\)/    pam_agentictrust: \1/p'
	if [ "$verdict" != "$want" ]; then
		echo "    UNEXPECTED: wanted $want" >&2
		failures=$((failures + 1))
	fi
}

failures=0
jwt=$("$cli" token --secret-file "$work/secret" --sub "$user" \
	--email "$user@example.com" --name "Demo Operator" --ttl 3600)
hmac=$("$cli" hmac --secret-file "$work/secret" "$user")
forged_jwt=$("$cli" token --secret-file "$work/other-secret" --sub "$user")
# A good token, but for root: an app user who registered as "root".
root_jwt=$("$cli" token --secret-file "$work/secret" --sub root --ttl 3600)
# Tamper: keep header and signature, swap in a payload for another sub.
tampered=$(printf '%s' "$jwt" | awk -F. -v p="$(printf '{"sub":"root","exp":9999999999}' |
	basenc --base64url | tr -d '=')" '{print $1"."p"."$3}')

echo "== pam_agentictrust demo: user=$user, service dir $work/pam.d"
echo "== the secret is $(head -n1 "$work/secret" | tr -d "\n" | wc -c) bytes (never printed)"
pam_check "JWT minted by agentictrust token" "$jwt" ACCEPTED
pam_check "HMAC minted by agentictrust hmac" "$hmac" ACCEPTED
pam_check "JWT signed with another secret (forged)" "$forged_jwt" REJECTED
pam_check "JWT with a tampered payload" "$tampered" REJECTED
pam_check "valid JWT for root (system account)" "$root_jwt" REJECTED root
echo
echo "== what the operator CLI says about the JWT (same code path):"
printf '%s\n' "$jwt" | env LD_PRELOAD=libnss_wrapper.so "${nss[@]}" \
	"$cli" verify --user "$user" secret_file="$work/secret"
echo
echo "== single use and revocation ($store):"
service=agentictrust-demo-once
once=$("$cli" token --secret-file "$work/secret" --sub "$user" --ttl 600)
pam_check "single-use JWT, first use" "$once" ACCEPTED
pam_check "the same JWT again (a replay)" "$once" REJECTED
"$cli" revoke --store "$store" --sub "$user" --reason "demo: agent misbehaved"
sleep 1 # a token minted in the same second would be the same bytes
fresh=$("$cli" token --secret-file "$work/secret" --sub "$user" --ttl 600)
pam_check "a fresh JWT for the revoked id" "$fresh" REJECTED
"$cli" unrevoke --store "$store" --sub "$user"
pam_check "the fresh JWT after unrevoke" "$fresh" ACCEPTED
unset service
echo
if [ $failures -ne 0 ]; then
	echo "demo: $failures unexpected result(s)"
	exit 1
fi
echo "demo: all results as expected"
