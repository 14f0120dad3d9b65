#!/usr/bin/env bash
# split-brain-guard: cluster A is lost, B's replica is promoted with --fence, then A comes back.
# A must come back read-only (fenced): an application still pointed at A gets
# Neo.ClientError.General.ForbiddenOnReadOnlyDatabase instead of writing a second history.
# Measures: how long after A's return the fence is in place; that A accepted no write after it.
# Needs server control (the sandbox, or CCDR_SERVER_CONTROL) to kill and restart A's servers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${CCDR_A_BOLT:?set CCDR_A_BOLT to the Bolt addresses of A}"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
log "create replica '$REPLICA' of A's neo4j in B and let it catch up"
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
must "write to A" cypher "$CCDR_A_URI" neo4j "UNWIND range(1, 20) AS i CREATE (:Seed {i: i})"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"

log "disaster: kill every server of A ($CCDR_A_SERVERS)"
# shellcheck disable=SC2086
server_ctl kill $CCDR_A_SERVERS
log "ccdr promote --fence"
must "promote" "$CCDR" promote -c "$CCDR_B_URI" -d "$REPLICA" --fence
must "write to the promoted database" cypher "$CCDR_B_URI" "$REPLICA" "CREATE (:AfterPromotion)"

log "A returns"
# shellcheck disable=SC2086
server_ctl restart $CCDR_A_SERVERS
returned=$(now_ms)
fenced=false
wait_for 60 "A's neo4j read-only" access_is "$CCDR_A_URI" neo4j read-only && fenced=true
fence_ms=$(( $(now_ms) - returned ))
check "old upstream fenced on return" "$fenced" "A's neo4j read-only ${fence_ms} ms after its servers were ready"

# An application still writing to A is refused. Through neo4j:// the routing table of a read-only
# database has no writers (the driver fails before sending anything); each server, asked directly
# over bolt://, must refuse with the read-only status code.
refused=true; codes=""
for addr in ${CCDR_A_BOLT//,/ }; do
  set +e
  out="$("$CCDR" shell -a "bolt://$addr" -d neo4j "CREATE (:SplitBrain)" 2>&1)"
  rc=$?
  set -e
  [ "$rc" != 0 ] || refused=false
  code="$(echo "$out" | grep -o 'Neo\.[A-Za-z]*Error\.[A-Za-z]*\.[A-Za-z]*' | head -1)"
  codes="$codes $addr:${code:-exit$rc}"
done
check "writes to the old upstream refused" "$refused" "$codes"
readonly_code=false; echo "$codes" | grep -q ForbiddenOnReadOnlyDatabase && readonly_code=true
check "refusal says read-only" "$readonly_code" "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase expected"
n="$(value "$CCDR_A_URI" neo4j "MATCH (n:SplitBrain) RETURN count(n) AS n" || echo "?")"
check "no split-brain write in A" "$([ "$n" = 0 ] && echo true || echo false)" "$n SplitBrain nodes in A"
verdict "fence_after_return_ms=$fence_ms"
