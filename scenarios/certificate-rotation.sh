#!/usr/bin/env bash
# certificate-rotation: cluster A moves to a new CA and new server certificates while the application
# writes to A and B's replica follows, with no replication gap. The rotation is the one the TLS design
# prescribes (servers re-read trusted/, private.key and public.crt every 2 s):
#   1. ccdr tls init-ca: a new CA for A
#   2. ccdr tls trust: every server of A and B trusts the new CA (old and new trusted side by side)
#   3. ccdr tls issue: new certificate per A server from the new CA, swapped into its policy directory
#   4. the old CA's certificate is removed from trusted/ everywhere: only new certificates are accepted
# Sandbox only (it edits the servers' policy directories: CCDR_SANDBOX). Checks: the replica never
# stalls longer than CCDR_MAX_STALL_MS (default 15000) while A commits, every acknowledged write reaches
# B, A's servers present certificates of the new CA, equal chain hashes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${CCDR_SANDBOX:-}" ] || verdict_fail "reason=sandbox-only (the scenario edits the servers' SSL policy directories)"
REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
MAX_STALL="${CCDR_MAX_STALL_MS:-15000}"
policy() { echo "$CCDR_SANDBOX/$1/certificates/cluster"; }

must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"

# sampler: time, A's txId, B's txId, every two seconds
( while :; do echo "$(now_ms) $(max_txid "$CCDR_A_URI" neo4j) $(max_txid "$CCDR_B_URI" "$REPLICA")" >>"$WORK/progress.log"; sleep 2; done ) &
sampler=$!
WORKLOAD_PIDS+=("$sampler")

NEWCA="$WORK/a-ca-2"
old_ca_file="$(ls "$(policy a1)/trusted/" | grep -- '-a\.crt$' | head -1)"
log "1. new CA for A ($NEWCA); old CA file in trusted/: $old_ca_file"
must "init-ca" "$CCDR" tls init-ca --name ccdr-sandbox-a-2 --out "$NEWCA"
log "2. every server trusts the new CA"
for s in $CCDR_A_SERVERS $CCDR_B_SERVERS; do must "trust on $s" "$CCDR" tls trust --policy "$(policy "$s")" --ca-cert "$NEWCA/ca.crt"; done
sleep 5 # two reload polls
log "3. new certificates for A's servers"
for s in $CCDR_A_SERVERS; do
  must "issue for $s" "$CCDR" tls issue --ca "$NEWCA" --name "$s" --san 127.0.0.1 --san localhost --out "$WORK/new-$s"
  # key first, certificate right after: a poll that sees a mismatched pair keeps the old pair and retries
  mv "$WORK/new-$s/private.key" "$(policy "$s")/private.key.new" && mv "$(policy "$s")/private.key.new" "$(policy "$s")/private.key"
  mv "$WORK/new-$s/public.crt" "$(policy "$s")/public.crt"
  sleep 3
done
log "4. the old CA is no longer trusted"
for s in $CCDR_A_SERVERS $CCDR_B_SERVERS; do rm -f "$(policy "$s")/trusted/$old_ca_file"; done
sleep 8
rotated=true
for s in $CCDR_A_SERVERS; do
  "$CCDR" tls inspect "$(policy "$s")/public.crt" 2>&1 | grep -q "ccdr-sandbox-a-2" || rotated=false
done
check "A's certificates from the new CA" "$rotated" "issuer ccdr-sandbox-a-2 on $CCDR_A_SERVERS"
# keep writing a little under the new trust only, then stop
sleep 5
stop_workload app
ok=false; wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA" && ok=true
kill "$sampler" 2>/dev/null || true
check "replica caught up" "$ok" "after the rotation"
# longest time B's txId stood still while A's was ahead of it
stall="$(awk 'NR==1{t0=$1; bp=$3; next} {if($3>bp){t0=$1; bp=$3} else if($2>$3 && $1-t0>m){m=$1-t0}} END{print m+0}' "$WORK/progress.log")"
check "no replication gap" "$([ "$stall" -le "$MAX_STALL" ] && echo true || echo false)" "longest replica stall ${stall} ms (limit ${MAX_STALL} ms)"
ok=false; wait_for 60 "all six members equal" converged "$CCDR_A_URI" neo4j "$CCDR_B_URI" "$REPLICA" && ok=true
check "chain hashes equal" "$ok" "$(members "$CCDR_B_URI" "$REPLICA" | head -1 | cut -f1,2)"
acked_present "$APP" "$CCDR_B_URI" "$REPLICA"
verdict "longest_replica_stall_ms=$stall acked=$(ack_count "$APP")"
