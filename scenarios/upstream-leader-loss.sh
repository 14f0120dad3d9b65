#!/usr/bin/env bash
# upstream-leader-loss: B's replica follows A's neo4j while an application writes to A; A's writer
# (the Raft leader of neo4j, the server the replica most likely streams from) is killed with kill -9.
# A elects a new leader, the application's writes resume, the replica rotates to another upstream
# member and catches up. Checks: no acknowledged write missing from the replica, no duplicate, equal
# txId and chain hash on all six members. Measures A's write gap and the replica's catch-up time.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
log "create replica '$REPLICA' of A's neo4j in B"
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"

victim="$(writer_of "$CCDR_A_URI" neo4j "$CCDR_A_SERVERS" "${CCDR_A_BOLT:?set CCDR_A_BOLT}")" || verdict_fail "reason=no-writer-found"
sleep $(( 1 + RANDOM % 3 ))
log "kill -9 A's leader of neo4j: $victim"
killed=$(now_ms)
server_ctl kill "$victim"
kill_done=$(now_ms)
must "A writes again" wait_for 90 "a write acknowledged after the kill" \
  bash -c "awk -v t=$kill_done '\$1==\"ack\" && \$3>t {f=1} END{exit !f}' '$APP'"
sleep 3
stop_workload app
stopped=$(now_ms)
# the outage is the longest stretch without an acknowledgement between the kill command and the end of
# the load (the kill command's own start-up time is inside the window, so the gap is found wherever it is)
gap="$(longest_gap "$APP" "$killed" "$(awk '$1=="ack"{t=$3} END{print t}' "$APP")")"
log "longest time without an acknowledged write on A after the kill: ${gap} ms"

must "replica caught up after the leader loss" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"
catchup=$(( $(now_ms) - stopped ))
server_ctl restart "$victim"
ok=false; wait_for 120 "all six members equal" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA" && ok=true
check "chain hashes equal" "$ok" "$(members "$CCDR_B_URI" "$REPLICA" | head -1 | cut -f1,2)"
acked_present "$APP" "$CCDR_B_URI" "$REPLICA"
verdict "killed=$victim write_gap_ms=$gap replica_catchup_after_load_ms=$catchup acked=$(ack_count "$APP")"
