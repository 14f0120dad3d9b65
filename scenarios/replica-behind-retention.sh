#!/usr/bin/env bash
# replica-behind-retention: B's replica is down while A commits more transactions than A's
# transaction log retains, so when B returns, A answers "store copy needed" and B must rebuild the
# replica from a store copy, then stream from there. A's retention is lowered to
# "${CCDR_RETENTION_TXS:-200} txs" for the scenario (sandbox: appended to A's ccdr.conf and A
# restarted; real clusters: set db.tx_log.rotation.retention_policy yourself and export
# CCDR_RETENTION_SET=1). A prunes its log every 30 s, so the outage lasts at least 40 s.
# Checks: B catches up, every node is there, equal chain hashes, and B's log shows a store copy.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
RETAIN="${CCDR_RETENTION_TXS:-200}"
if [ "${CCDR_RETENTION_SET:-0}" != 1 ]; then
  [ -n "${CCDR_SANDBOX:-}" ] || verdict_fail "reason=needs-retention (set db.tx_log.rotation.retention_policy on A and CCDR_RETENTION_SET=1)"
  log "lowering A's transaction log retention to $RETAIN txs (restart of A)"
  # shellcheck disable=SC2086
  server_ctl stop $CCDR_A_SERVERS
  for s in $CCDR_A_SERVERS; do echo "db.tx_log.rotation.retention_policy=$RETAIN txs" >>"$CCDR_SANDBOX/$s/ccdr.conf"; done
  # shellcheck disable=SC2086
  server_ctl restart $CCDR_A_SERVERS
fi
must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
must "seed writes" cypher "$CCDR_A_URI" neo4j "UNWIND range(1, 10) AS i CREATE (:Before {i: i})"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"

log "B goes down; A commits $((RETAIN * 3)) transactions"
# shellcheck disable=SC2086
server_ctl stop $CCDR_B_SERVERS
down=$(now_ms)
APP="$WORK/app.log"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 100
must "A commits past retention" wait_for 300 "$((RETAIN * 3)) acknowledged writes" \
  bash -c "[ \$(grep -c '^ack' '$APP') -ge $((RETAIN * 3)) ]"
stop_workload app
# wait for A's pruning (every 30 s) to drop the transactions B needs
while [ $(( $(now_ms) - down )) -lt 40000 ]; do sleep 2; done
log "B returns after $(( ($(now_ms) - down) / 1000 )) s"
# shellcheck disable=SC2086
server_ctl restart $CCDR_B_SERVERS
back=$(now_ms)
ok=false; wait_for 180 "replica caught up" replica_caught_up neo4j "$REPLICA" && ok=true
check "replica caught up" "$ok" "in $(( $(now_ms) - back )) ms after B was ready"
ok=false; wait_for 60 "all six members equal" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA" && ok=true
check "chain hashes equal" "$ok" "$(members "$CCDR_B_URI" "$REPLICA" | head -1 | cut -f1,2)"
acked_present "$APP" "$CCDR_B_URI" "$REPLICA"
copied=unknown
if [ -n "${CCDR_SANDBOX:-}" ]; then
  copied=false
  for s in $CCDR_B_SERVERS; do grep -qi "store copy" "$CCDR_SANDBOX/$s/server.log" && copied=true; done
  check "replica rebuilt from a store copy" "$copied" "a B server log mentions the store copy"
fi
verdict "retention_txs=$RETAIN outage_s=$(( (back - down) / 1000 )) catchup_ms=$(( $(now_ms) - back )) store_copy=$copied"
