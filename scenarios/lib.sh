# shellcheck shell=bash
# Shared by the scenario scripts (source it). Decides where the clusters are, gives the scripts a few
# verbs (cypher, wait_for, server_ctl, workload, check, verdict) and prints the verdict line.
#
# Clusters: with CCDR_A_URI unset, a fresh local sandbox (two 3-server clusters, mutual TLS) is started
# in a temporary directory and destroyed at exit (CCDR_KEEP=1 keeps it). Otherwise these describe the
# clusters (ccdr drill --scenario sets them for its own sandbox):
#   CCDR_A_URI, CCDR_B_URI             neo4j:// addresses of the main (A) and DR (B) clusters
#   CCDR_A_ADDRESSES, CCDR_B_ADDRESSES server.cluster.advertised_address values, comma-separated
#   CCDR_A_SERVERS, CCDR_B_SERVERS     server names for server_ctl (sandbox: "a1 a2 a3", "b1 b2 b3")
#   CCDR_A_BOLT, CCDR_B_BOLT           their Bolt advertised addresses, comma-separated, in the same order
#   NEO4J_USERNAME, NEO4J_PASSWORD     an admin user of both clusters
#   CCDR_SANDBOX                       a ccdr local sandbox directory: server_ctl uses `ccdr local`
#   CCDR_SERVER_CONTROL                otherwise, a command run as `$CCDR_SERVER_CONTROL kill|stop|restart SERVER`
#   CCDR                               the ccdr launcher (default: bin/ccdr of this checkout)
#   CCDR_SEED                          seed for the script's random choices (printed)
set -euo pipefail

SCENARIOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CCDR="${CCDR:-$SCENARIOS_DIR/../bin/ccdr}"
SCENARIO="$(basename "${0%.sh}")"
SEED="${CCDR_SEED:-$(( $(date +%s) % 100000 ))}"
RANDOM=$SEED
WORK="$(mktemp -d -t "ccdr-$SCENARIO-XXXXXX")"
export NEO4J_USERNAME="${NEO4J_USERNAME:-neo4j}"
FAILED=0
CHECKS=()
WORKLOAD_PIDS=()
OWN_SANDBOX=0
PASSED=0

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
now_ms() { date +%s%3N; }

cleanup() {
  local pid
  for pid in "${WORKLOAD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  if [ "$OWN_SANDBOX" = 1 ] && [ "${CCDR_KEEP:-0}" != 1 ]; then
    "$CCDR" local destroy --dir "$CCDR_SANDBOX" >/dev/null 2>&1 || true
  fi
  # the work directory (application logs, samples) stays after a FAIL, for diagnosis
  if [ "$PASSED" = 1 ] && [ "${CCDR_KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "work files kept in $WORK" >&2; fi
}
trap cleanup EXIT

if [ -z "${CCDR_A_URI:-}" ]; then
  OWN_SANDBOX=1
  base="${CCDR_BASE_PORT:-20000}"
  export CCDR_SANDBOX="$WORK/sandbox"
  log "no CCDR_A_URI: starting a local sandbox in $CCDR_SANDBOX (base port $base)"
  "$CCDR" local start --clusters 2 --dir "$CCDR_SANDBOX" --base-port "$base" --heap 384m
  export NEO4J_PASSWORD=ccdr-sandbox
  export CCDR_A_URI="neo4j://127.0.0.1:$base" CCDR_B_URI="neo4j://127.0.0.1:$((base + 100))"
  export CCDR_A_ADDRESSES="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 11)),127.0.0.1:$((base + 21))"
  export CCDR_B_ADDRESSES="127.0.0.1:$((base + 101)),127.0.0.1:$((base + 111)),127.0.0.1:$((base + 121))"
  export CCDR_A_BOLT="127.0.0.1:$base,127.0.0.1:$((base + 10)),127.0.0.1:$((base + 20))"
  export CCDR_B_BOLT="127.0.0.1:$((base + 100)),127.0.0.1:$((base + 110)),127.0.0.1:$((base + 120))"
  export CCDR_A_SERVERS="a1 a2 a3" CCDR_B_SERVERS="b1 b2 b3"
fi
: "${NEO4J_PASSWORD:?set NEO4J_PASSWORD (an admin of both clusters)}"
: "${CCDR_B_URI:?set CCDR_B_URI}" "${CCDR_A_ADDRESSES:?set CCDR_A_ADDRESSES}" "${CCDR_B_ADDRESSES:?set CCDR_B_ADDRESSES}"
log "scenario $SCENARIO, seed $SEED (repeat with CCDR_SEED=$SEED); A $CCDR_A_URI, B $CCDR_B_URI; work dir $WORK"

# cypher URI DATABASE QUERY [--param k=v ...]: rows as tab-separated lines after a header line.
cypher() { "$CCDR" shell -a "$1" -d "$2" --format plain "${@:3}"; }
# read_cypher: the same in a read session (a replica or a fenced database has readers but no writer)
read_cypher() { "$CCDR" shell -a "$1" -d "$2" --format plain --access-mode read "${@:3}"; }
# value URI DATABASE QUERY ...: first column of the first row of a read, string quotes removed.
value() { read_cypher "$@" | sed -n 2p | cut -f1 | tr -d "\"'"; }
# cypher_list "a','b": addresses as a Cypher list literal body
quoted_list() { local IFS=,; local out=() a; for a in $1; do out+=("'$a'"); done; echo "${out[*]}"; }

# members URI DATABASE: one line per member: txId chainHash type access upstream
members() {
  cypher "$1" system "SHOW DATABASE \`$2\` YIELD lastCommittedTxId, lastCommittedChainHash, type, access, upstream" 2>/dev/null \
    | tail -n +2 | tr -d "\"'"
}
max_txid() { members "$1" "$2" | awk 'BEGIN{m=-1} $1 ~ /^[0-9]+$/ && $1+0>m {m=$1+0} END{print m}'; }
# known_txid URI DATABASE: max_txid, asked again (up to 30 s) while no member reports a position
known_txid() {
  local t i
  for i in $(seq 1 15); do t="$(max_txid "$1" "$2")"; [ "$t" -ge 0 ] && { echo "$t"; return 0; }; sleep 2; done
  echo -1; return 1
}
# converged URI1 DB1 URI2 DB2: every member of both at one txId with one chain hash
converged() {
  { members "$1" "$2"; members "$3" "$4"; } | awk -F'\t' '{n++; t[$1]=1; h[$2]=1} END{c=0; for(k in t)c++; d=0; for(k in h)d++; exit !(n>=2 && c==1 && d==1)}'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds; returns 1 at the deadline.
wait_for() {
  local limit="$1" what="$2"; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then log "timed out after ${limit}s waiting for $what"; return 1; fi
    sleep 1
  done
}

# server_ctl kill|stop|restart SERVER...: through the sandbox or CCDR_SERVER_CONTROL.
server_ctl() {
  local action="$1"; shift
  if [ -n "${CCDR_SERVER_CONTROL:-}" ]; then
    local s; for s in "$@"; do $CCDR_SERVER_CONTROL "$action" "$s"; done
  elif [ -n "${CCDR_SANDBOX:-}" ]; then
    "$CCDR" local "$action" --dir "$CCDR_SANDBOX" "$@"
  else
    verdict_fail "reason=no-server-control (set CCDR_SANDBOX or CCDR_SERVER_CONTROL to let the scenario $action servers)"
  fi
}

# writer_of URI DATABASE SERVERS BOLT_ADDRESSES: the name (from SERVERS) of the server that is the
# database's writer, matching SHOW DATABASE's address against BOLT_ADDRESSES (same order as SERVERS).
writer_of() {
  local addr
  addr="$(cypher "$1" system "SHOW DATABASE \`$2\` YIELD address, writer" 2>/dev/null | tail -n +2 | tr -d "\"'" \
    | awk -F'\t' '$2=="true"{print $1; exit}')"
  [ -n "$addr" ] || return 1
  local names=($3) i=0 b
  for b in ${4//,/ }; do
    if [ "$b" = "$addr" ]; then echo "${names[$i]}"; return 0; fi
    i=$((i + 1))
  done
  return 1
}

# create_replica URI NAME REMOTE ADDRESSES
create_replica() {
  cypher "$1" system "CALL internal.dbms.createReplicaDatabase('$2', 3, 0, {remote: '$3', addresses: [$(quoted_list "$4")]})" >/dev/null
}

# workload NAME LOG ARGS...: the drill's application in the background (ccdr drill workload), logging outcomes.
workload() {
  local name="$1" logfile="$2"; shift 2
  "$CCDR" drill workload --log "$logfile" "$@" >"$WORK/$name.out" 2>&1 &
  WORKLOAD_PIDS+=("$!")
  eval "WORKLOAD_$name=$!"
}
stop_workload() { local pid; eval "pid=\$WORKLOAD_$1"; kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
# (ids are sorted as text, the order comm and uniq need)
acked_ids() { awk '$1=="ack"{print $2}' "$@" | LC_ALL=C sort; }
ack_count() { awk '$1=="ack"{n++} END{print n+0}' "$@"; }
# first_ack_after LOG EPOCH_MS [TARGET]: epoch ms of the first acknowledged write at or after the time
first_ack_after() { awk -v t="$2" -v g="${3:-}" '$1=="ack" && $3>=t && (g=="" || $4==g) {if(m==""||$3<m)m=$3} END{print m}' "$1"; }
# longest_gap LOG FROM_MS TO_MS: longest time without an acknowledged write inside the window, in ms
longest_gap() {
  awk -v f="$2" -v t="$3" '$1=="ack" && $3>=f && $3<=t {print $3}' "$1" | sort -n \
    | awk -v f="$2" -v t="$3" 'BEGIN{p=f; g=0} {if($1-p>g)g=$1-p; p=$1} END{if(t-p>g)g=t-p; print g}'
}
# drill_ids URI DATABASE: the ids of the drill's nodes in the database, one per line, sorted (duplicates kept)
# (a read: call it once all members have the same txId, see converged, so that any reader is complete)
drill_ids() { read_cypher "$1" "$2" "MATCH (n:DrillWrite) RETURN n.id AS id" | tail -n +2 | LC_ALL=C sort; }

# check NAME true|false DETAIL: records one invariant
check() {
  if [ "$2" = true ]; then log "PASS  $1: $3"; else log "FAIL  $1: $3"; FAILED=1; fi
  CHECKS+=("$1")
}
# acked_present LOG URI DATABASE [EXCEPT_FILE]: every acknowledged id present exactly once
acked_present() {
  local ids="$WORK/ids.$$" missing dups
  drill_ids "$2" "$3" >"$ids"
  missing="$(LC_ALL=C comm -23 <(acked_ids "$1" | uniq) <(uniq "$ids") | grep -vxF -f "${4:-/dev/null}" | wc -l || true)"
  dups="$(uniq -d "$ids" | wc -l)"
  check "acknowledged writes present" "$([ "$missing" = 0 ] && echo true || echo false)" \
    "$(ack_count "$1") acknowledged, $missing missing, $(wc -l <"$ids") in the database"
  check "no duplicate" "$([ "$dups" = 0 ] && echo true || echo false)" "$dups ids present more than once"
}

# verdict KEY=VALUE...: the verdict line (PASS/FAIL scenario=... figures...), then exit 0/1
verdict() {
  if [ "$FAILED" = 0 ] && [ "${#CHECKS[@]}" -gt 0 ]; then PASSED=1; echo "PASS scenario=$SCENARIO seed=$SEED $*"; exit 0; fi
  echo "FAIL scenario=$SCENARIO seed=$SEED $*"; exit 1
}
verdict_fail() { FAILED=1; verdict "$@"; }
# must DESCRIPTION COMMAND...: a step that has to work, else FAIL with the step named
must() { local what="$1"; shift; if ! "$@"; then verdict_fail "reason=step-failed step=\"$what\""; fi; }
# txid_at_least URI DATABASE N: some member of the database has committed txId N (for wait_for)
txid_at_least() { [ "$(max_txid "$1" "$2")" -ge "$3" ]; }
# access_is URI DATABASE read-only|read-write: every member reports that access (for wait_for)
access_is() { local m; m="$(members "$1" "$2")"; [ -n "$m" ] && ! echo "$m" | awk -F'\t' -v a="$3" '$4!=a{bad=1} END{exit !bad}'; }
# replica_caught_up: B's replica has A's current txId
# (false while A's position is unknown: -1 must never count as "caught up")
replica_caught_up() { local t; t="$(max_txid "$CCDR_A_URI" "$1")"; [ "$t" -ge 0 ] && txid_at_least "$CCDR_B_URI" "$2" "$t"; }
