#!/usr/bin/env bash
# failover-and-failback: the default drill as operator commands. B's replica follows A's neo4j under an
# application load; every server of A is killed (kill -9); `ccdr promote --fence` makes B's replica
# writable; A returns (fenced, read-only); `ccdr failback` makes A primary again and B follow it while the
# application follows the writer. Checks: acknowledged writes lost only from the RPO window (A's
# transactions after the promotion point, exported by failback), no duplicate, equal chain hashes, B a
# replica of A. Measures RPO (transactions), RTO (promote to first acknowledged write on B) and the
# failback write unavailability. Needs server control to kill and restart A.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"
sleep $(( 2 + RANDOM % 4 ))

log "disaster: kill -9 $CCDR_A_SERVERS"
# shellcheck disable=SC2086
server_ctl kill $CCDR_A_SERVERS
stop_workload app
workload dr "$WORK/dr.log" --target "b=$CCDR_B_URI#$REPLICA" --rate 50 --first-id 10000000
promote_start=$(now_ms)
out="$("$CCDR" promote -c "$CCDR_B_URI" -d "$REPLICA" --fence)" || verdict_fail "reason=promote-failed"
echo "$out"
at="$(echo "$out" | sed -n 's/.* at txId \([0-9]*\) .*/\1/p' | head -1)"
must "writes accepted by B" wait_for 60 "a write acknowledged by B" grep -q '^ack' "$WORK/dr.log"
rto=$(( $(first_ack_after "$WORK/dr.log" "$promote_start") - promote_start ))
log "RTO: ${rto} ms from the promote command to the first acknowledged write"
lost="$WORK/lost.txt"
LC_ALL=C comm -23 <(acked_ids "$APP" | uniq) <(drill_ids "$CCDR_B_URI" "$REPLICA" | uniq) >"$lost" || true
log "acknowledged by A but missing from B: $(wc -l <"$lost")"

# shellcheck disable=SC2086
server_ctl restart $CCDR_A_SERVERS
ok=false; wait_for 60 "A's neo4j fenced" access_is "$CCDR_A_URI" neo4j read-only && ok=true
check "old primary fenced read-only" "$ok" "A's neo4j after its return"
rpo_tx=$(( $(known_txid "$CCDR_A_URI" neo4j) - at ))

stop_workload dr
workload fb "$WORK/fb.log" --target "b=$CCDR_B_URI#$REPLICA" --target "a=$CCDR_A_URI#neo4j" --follow-writer --rate 50 --first-id 20000000
fb_start=$(now_ms)
must "ccdr failback" "$CCDR" failback --main "$CCDR_A_URI" --dr "$CCDR_B_URI" -d "$REPLICA" --main-database neo4j \
  --main-addresses "$CCDR_A_ADDRESSES" --dr-addresses "$CCDR_B_ADDRESSES" --max-lag 20 --timeout 300 --export "$WORK/divergent.jsonl"
must "writes on A" wait_for 60 "a write acknowledged by A" bash -c "grep -q '^ack .* a$' '$WORK/fb.log'"
sleep 2
stop_workload fb
gap="$(longest_gap "$WORK/fb.log" "$fb_start" "$(first_ack_after "$WORK/fb.log" "$fb_start" a)")"
exported=0; [ -f "$WORK/divergent.jsonl" ] && exported=$(wc -l <"$WORK/divergent.jsonl")
check "lost transactions exported" "$([ "$exported" = "$rpo_tx" ] && echo true || echo false)" "$exported exported, $rpo_tx committed in A after txId $at"
ok=false; wait_for 120 "B follows A" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA" && ok=true
check "chain hashes equal, B follows A" "$ok" "$(members "$CCDR_B_URI" "$REPLICA" | head -1 | cut -f1,2,3,5)"
acked_present "$APP" "$CCDR_A_URI" neo4j "$lost"
ids="$WORK/final.txt"; drill_ids "$CCDR_A_URI" neo4j >"$ids"
missing=$(LC_ALL=C comm -23 <(acked_ids "$WORK/dr.log" "$WORK/fb.log" | uniq) <(uniq "$ids") | wc -l)
check "writes made during the DR period and failback present" "$([ "$missing" = 0 ] && echo true || echo false)" "$missing missing"
verdict "rpo_tx=$rpo_tx lost_acked=$(wc -l <"$lost") rto_ms=$rto failback_unavailability_ms=$gap"
