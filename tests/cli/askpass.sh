#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/cli/askpass.sh CLI - agentictrust askpass / agentictrust-askpass:
# where the credential comes from (a 0600 file of the caller's, or a
# command), what it refuses (loose or non-regular files, failing, slow or
# chatty commands, prompts that are not credential prompts) and what it
# prints.  The real ssh and sudo drive it in tests/real.
# TAP output; exit 1 if any check failed.  AT_CLI_WRAPPER as in cli.sh.
set -u

CLI=$(readlink -f "${1:?usage: askpass.sh AGENTICTRUST_CLI}")
WRAP=()
if [ -n "${AT_CLI_WRAPPER:-}" ]; then
	read -r -a WRAP <<<"$AT_CLI_WRAPPER"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ln -s "$CLI" "$T/agentictrust-askpass"
TOKEN=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLTMyLWJ5dGVzLTEyMzQ1Njc4OTA
(umask 077 && printf '%s\n' "$TOKEN" >"$T/token")

n=0
failed=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	printf 'not ok %d - %s\n' "$n" "$1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# ask DESC WANT_RC WANT_STDOUT ENV... -- ARGV...: run with a clean
# environment plus ENV; check exit status and exact stdout.
ask() {
	local d=$1 want_rc=$2 want_out=$3 out rc
	shift 3
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	out=$(env -i PATH=/usr/bin:/bin "${envs[@]}" \
		timeout 60 "${WRAP[@]}" "$@" 2>"$T/stderr")
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && [ "$out" = "$want_out" ]; then
		ok "$d"
	else
		not_ok "$d" "exit $rc (want $want_rc), stdout ${#out} bytes" \
			"$(cat "$T/stderr")"
	fi
}

F=AGENTICTRUST_TOKEN_FILE=$T/token
P="Agentic Trust token: "
ask "file: prints the credential" 0 "$TOKEN" "$F" -- "$CLI" askpass "$P"
ask "as agentictrust-askpass PROMPT (how ssh and sudo run it)" 0 "$TOKEN" \
	"$F" -- "$T/agentictrust-askpass" "$P"
ask "no prompt argument" 0 "$TOKEN" "$F" -- "$T/agentictrust-askpass"
ask "sshd's password prompt" 0 "$TOKEN" "$F" -- \
	"$T/agentictrust-askpass" "alice@127.0.0.1's password: "
ask "sudo's prompt" 0 "$TOKEN" "$F" -- \
	"$T/agentictrust-askpass" "[sudo] password for alice: "

for p in "Are you sure you want to continue connecting (yes/no/[fingerprint])? " \
	"Enter passphrase for key '/home/alice/.ssh/id_ed25519': " \
	"Enter PIN for ED25519-SK key /home/alice/.ssh/id_ed25519_sk: " \
	"Enter PIN for 'SoftHSM': "; do
	ask "refuses: ${p:0:40}..." 1 "" "$F" -- "$T/agentictrust-askpass" "$p"
done
ask "refuses SSH_ASKPASS_PROMPT=confirm" 1 "" "$F" \
	SSH_ASKPASS_PROMPT=confirm -- "$T/agentictrust-askpass" "Allow use of key?"
ask "refuses SSH_ASKPASS_PROMPT=none" 1 "" "$F" SSH_ASKPASS_PROMPT=none -- \
	"$T/agentictrust-askpass" "Confirm user presence for key"
ask "a word containing PIN is not a PIN prompt" 0 "$TOKEN" "$F" -- \
	"$T/agentictrust-askpass" "Agentic Trust token (SPINE): "

chmod 0640 "$T/token"
ask "refuses a group-readable token file" 1 "" "$F" -- "$CLI" askpass "$P"
chmod 0604 "$T/token"
ask "refuses a world-readable token file" 1 "" "$F" -- "$CLI" askpass "$P"
chmod 0600 "$T/token"
ln -s "$T/token" "$T/link"
ask "refuses a symlink" 1 "" "AGENTICTRUST_TOKEN_FILE=$T/link" -- \
	"$CLI" askpass "$P"
mkfifo -m 0600 "$T/fifo"
ask "refuses a FIFO without blocking" 1 "" \
	"AGENTICTRUST_TOKEN_FILE=$T/fifo" -- "$CLI" askpass "$P"
ask "missing file" 1 "" "AGENTICTRUST_TOKEN_FILE=$T/none" -- \
	"$CLI" askpass "$P"
ask "neither variable set: usage error" 2 "" -- "$CLI" askpass "$P"
ask "both variables set: usage error" 2 "" "$F" \
	"AGENTICTRUST_TOKEN_COMMAND=echo x" -- "$CLI" askpass "$P"

C=AGENTICTRUST_TOKEN_COMMAND
ask "command: its output" 0 "$TOKEN" "$C=cat $T/token" -- "$CLI" askpass "$P"
ask "command: trailing white space trimmed" 0 "$TOKEN" \
	"$C=printf '  %s \\n\\n' \$(cat $T/token)" -- "$CLI" askpass "$P"
ask "command that fails: nothing printed" 1 "" "$C=echo $TOKEN; exit 3" -- \
	"$CLI" askpass "$P"
ask "command with spaces in its output: refused" 1 "" "$C=echo a b" -- \
	"$CLI" askpass "$P"
ask "command printing nothing: refused" 1 "" "$C=true" -- "$CLI" askpass "$P"
ask "command printing more than 4096 bytes: refused" 1 "" \
	"$C=head -c 5000 /dev/zero | tr '\\\\0' a" -- "$CLI" askpass "$P"
ask "command printing forever: refused" 1 "" "$C=yes" -- "$CLI" askpass "$P"
ask "command reading stdin gets /dev/null" 0 "$TOKEN" \
	"$C=cat >/dev/null; cat $T/token" -- "$CLI" askpass "$P"

# A background process left holding stdout must not hold us up, and is
# killed with the command's process group.  (An odd duration marks it.)
start=$(date +%s%N)
ask "command leaving a background process: output used" 0 "$TOKEN" \
	"$C=(sleep 31.4159 &); cat $T/token" -- "$CLI" askpass "$P"
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -lt 10000 ]; then
	ok "... and it returned without waiting for it ($ms ms)"
else
	not_ok "... and it returned without waiting for it ($ms ms)"
fi
# SIGKILL is sent by the time askpass exits; give the kernel a moment to
# reap the process before pgrep can no longer see it.
for _ in $(seq 1 20); do
	pgrep -f "sleep 31.4159" >/dev/null 2>&1 || break
	sleep 0.1
done
if pgrep -f "sleep 31.4159" >/dev/null 2>&1; then
	not_ok "... and its process group was killed"
	pkill -f "sleep 31.4159"
else
	ok "... and its process group was killed"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
