#!/usr/bin/env bash
# lag-spike-under-bulk-load: while the application writes small transactions to A, a bulk load
# commits a few large transactions (UNWIND ... CREATE, seeded size). B's replica falls behind and
# must come back. Samples B's lag every two seconds (SHOW DATABASE replicaLagTransactions) and checks:
# the lag returns to 0 within the limit, every acknowledged write and every bulk node reach B, equal
# chain hashes. Measures the peak lag and the time from the end of the load to lag 0.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
BATCHES="${CCDR_BULK_BATCHES:-5}"
SIZE=$(( ${CCDR_BULK_SIZE:-5000} + RANDOM % 1000 ))
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"

# lag sampler: B's own view of its lag (replicaLagTransactions, the largest over its members), every two seconds
( while :; do
    l="$(cypher "$CCDR_B_URI" system "SHOW DATABASE \`$REPLICA\` YIELD replicaLagTransactions" 2>/dev/null | tail -n +2 \
      | awk 'BEGIN{m=-1} $1 ~ /^[0-9]+$/ && $1+0>m {m=$1+0} END{print m}')"
    [ "$l" -ge 0 ] && echo "$(now_ms) $l" >>"$WORK/lag.log"
    sleep 2
  done ) &
sampler=$!
WORKLOAD_PIDS+=("$sampler")

log "bulk load: $BATCHES transactions of $SIZE nodes each"
start=$(now_ms)
for i in $(seq 1 "$BATCHES"); do
  must "bulk transaction $i" cypher "$CCDR_A_URI" neo4j "UNWIND range(1, $SIZE) AS i CREATE (:Bulk {batch: $i, i: i, pad: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'})"
done
loaded=$(now_ms)
log "bulk load committed in $((loaded - start)) ms"
stop_workload app
ok=false; wait_for 180 "replica caught up" replica_caught_up neo4j "$REPLICA" && ok=true
caught=$(now_ms)
kill "$sampler" 2>/dev/null || true
peak="$(awk 'BEGIN{m=0} $2>m{m=$2} END{print m}' "$WORK/lag.log" 2>/dev/null || echo 0)"
check "lag back to 0" "$ok" "peak lag $peak transactions, caught up $((caught - loaded)) ms after the load committed"
ok=false; wait_for 60 "all six members equal" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA" && ok=true
check "chain hashes equal" "$ok" "$(members "$CCDR_B_URI" "$REPLICA" | head -1 | cut -f1,2)"
acked_present "$APP" "$CCDR_B_URI" "$REPLICA"
bulk="$(value "$CCDR_B_URI" "$REPLICA" "MATCH (n:Bulk) RETURN count(n) AS n" || echo "?")"
check "bulk load replicated" "$([ "$bulk" = "$((BATCHES * SIZE))" ] && echo true || echo false)" "$bulk of $((BATCHES * SIZE)) bulk nodes in B"
verdict "bulk_nodes=$((BATCHES * SIZE)) load_ms=$((loaded - start)) peak_lag_tx=$peak catchup_after_load_ms=$((caught - loaded)) acked=$(ack_count "$APP")"
