#!/usr/bin/env bash
# link-partition-and-heal: the link between the clusters goes away for a while, then comes back,
# while the application keeps writing to A. There is no fault-injecting proxy between the sandbox's
# clusters yet, so the partition is made by stopping every server of B (SIGTERM; `ccdr local stop`
# or CCDR_SERVER_CONTROL) for a seeded 5-15 s and starting them again: from A's side the link is
# silent, and B must resume from its own last txId (no store copy) when it heals. A blackholed link
# with both sides up (half-open connections, heartbeat timeouts) needs the proxy and is not covered.
# Checks: every write A acknowledged reaches B, no duplicate, equal chain hashes. Measures the lag at
# heal time and how long B took to catch up.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"
before="$(known_txid "$CCDR_B_URI" "$REPLICA")"

partition=$(( 5 + RANDOM % 11 ))
log "partition: stopping B ($CCDR_B_SERVERS) for ${partition}s; replica at txId $before"
# shellcheck disable=SC2086
server_ctl stop $CCDR_B_SERVERS
sleep "$partition"
lag_at_heal=$(( $(known_txid "$CCDR_A_URI" neo4j) - before ))
log "heal: starting B again (A is $lag_at_heal transactions ahead of what B had)"
healed=$(now_ms)
# shellcheck disable=SC2086
server_ctl restart $CCDR_B_SERVERS
ready=$(now_ms)
must "replica caught up after the heal" wait_for 180 "replica caught up" replica_caught_up neo4j "$REPLICA"
caught=$(now_ms)
stop_workload app
must "replica has A's last transaction" wait_for 60 "replica caught up" replica_caught_up neo4j "$REPLICA"
ok=false; wait_for 60 "all six members equal" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA" && ok=true
check "chain hashes equal" "$ok" "$(members "$CCDR_B_URI" "$REPLICA" | head -1 | cut -f1,2)"
acked_present "$APP" "$CCDR_B_URI" "$REPLICA"
verdict "partition_s=$partition lag_at_heal_tx=$lag_at_heal b_restart_ms=$((ready - healed)) catchup_after_ready_ms=$((caught - ready)) acked=$(ack_count "$APP")"
