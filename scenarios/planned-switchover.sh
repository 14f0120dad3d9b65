#!/usr/bin/env bash
# planned-switchover: a zero-loss role swap with both clusters healthy (maintenance, region move).
# B's replica becomes the primary and A's database a replica of it, with failback's safety checks:
#   1. stop writes on A (ALTER DATABASE neo4j SET ACCESS READ ONLY)
#   2. wait until B's replica has exactly A's txId *and* chain hash
#   3. ccdr promote B's replica: it must be promoted at that txId (nothing lost)
#   4. drop A's neo4j and re-create it as a replica of B's database (store copy), wait until it follows
# The application knows both clusters and follows the writer (ccdr drill workload --follow-writer).
# Checks: promotion at A's final txId, every acknowledged write present, no duplicate, A follows B with
# equal chain hashes. Measures the write unavailability as the application saw it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --target "b=$CCDR_B_URI#$REPLICA" --follow-writer --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"
sleep $(( 2 + RANDOM % 4 ))

log "1. stop writes on A"
frozen=$(now_ms)
must "freeze A" cypher "$CCDR_A_URI" system "ALTER DATABASE neo4j SET ACCESS READ ONLY"
log "2. wait for equal txId and chain hash"
must "equal position" wait_for 120 "equal txId and chain hash" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA"
final="$(known_txid "$CCDR_A_URI" neo4j)"
log "3. promote B's replica (A is at txId $final)"
out="$("$CCDR" promote -c "$CCDR_B_URI" -d "$REPLICA")" || verdict_fail "reason=promote-failed"
echo "$out"
at="$(echo "$out" | sed -n 's/.* at txId \([0-9]*\) .*/\1/p' | head -1)"
check "promoted at A's last txId" "$([ "$at" = "$final" ] && echo true || echo false)" "promoted at $at, A at $final"
must "writes resume on B" wait_for 60 "a write acknowledged by B" \
  bash -c "awk -v t=$frozen '\$1==\"ack\" && \$3>t && \$4==\"b\" {f=1} END{exit !f}' '$APP'"
resumed="$(first_ack_after "$APP" "$frozen" b)"
gap="$(longest_gap "$APP" "$frozen" "$resumed")"
log "writes resumed on B $((resumed - frozen)) ms after the freeze"

log "4. A's neo4j becomes a replica of B's '$REPLICA'"
must "drop A's neo4j" cypher "$CCDR_A_URI" system "DROP DATABASE neo4j"
must "A's neo4j dropped" wait_for 60 "neo4j dropped in A" bash -c "[ -z \"\$('$CCDR' shell -a '$CCDR_A_URI' -d system --format plain 'SHOW DATABASE neo4j' | tail -n +2)\" ]"
must "create replica in A" create_replica "$CCDR_A_URI" neo4j "$REPLICA" "$CCDR_B_ADDRESSES"
sleep 3
stop_workload app
ok=false; wait_for 120 "A follows B" converged "$CCDR_B_URI" "$REPLICA" "$CCDR_A_URI" neo4j && ok=true
check "A follows B with equal chain hashes" "$ok" "$(members "$CCDR_A_URI" neo4j | head -1 | cut -f1,2,3,5)"
acked_present "$APP" "$CCDR_B_URI" "$REPLICA"
verdict "switchover_unavailability_ms=$gap promoted_at=$at acked=$(ack_count "$APP")"
