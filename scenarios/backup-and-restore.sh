#!/usr/bin/env bash
# backup-and-restore: replication is not a backup. A backup chain is taken of A's neo4j while the
# application writes (a FULL, then a DIFF), and of B's replica from the DR site; then a destructive write
# deletes every application node, reaches the replica within seconds, and lands in the next DIFF too.
# A point-in-time restore (CREATE DATABASE ... OPTIONS {seedURI, seedRestoreUntil}) brings the database back
# as it was just before the destructive write.
# Checks: the DIFF continues the FULL; the replica's backup ends on A's chain hash at its txId; the chain
# validates; the destructive write reached the replica; the restored database holds exactly the content
# before it (every acknowledged write, once), at that txId with A's chain hash there, on every member.
# Backup client identity: CCDR_BACKUP_TLS (a policy directory trusted by both clusters); in the sandbox,
# b1's own cluster policy. The seed directory must be readable by every server of A (in the sandbox, it is).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICA="${CCDR_REPLICA:-neo4j-dr}"
APP="$WORK/app.log"
BACKUPS="$WORK/backups-a"
DR_BACKUPS="$WORK/backups-b"
TLS="${CCDR_BACKUP_TLS:-${CCDR_SANDBOX:+$CCDR_SANDBOX/b1/certificates/cluster}}"
[ -n "$TLS" ] || verdict_fail "reason=no-backup-identity (set CCDR_BACKUP_TLS to a policy directory both clusters trust)"

# backup FROM DIR DATABASE: one run of ccdr admin database backup (AUTO); prints its summary line
backup() { "$CCDR" admin database backup --from="$1" --to-path="$2" --tls-dir="$TLS" "$3" | tail -1; }
# run_backup STEP FROM DIR DATABASE: one backup, its summary line logged; sets LAST (that line) and LAST_MS (its time)
run_backup() {
  local t0; t0=$(now_ms)
  LAST="$(backup "$2" "$3" "$4")" || verdict_fail "reason=step-failed step=\"$1\""
  LAST_MS=$(( $(now_ms) - t0 )); log "$LAST"
}
# summary_field LINE: "KIND END_TXID CHAIN_HASH" of a backup's summary line
summary_field() { echo "$1" | sed -n 's/^\([A-Z]*\) backup of .*: txId [0-9]*\.\.\([0-9]*\) (.* chain hash \([0-9a-f]*\))$/\1 \2 \3/p'; }
# hash_at URI DATABASE TXID: the chain hash after TXID in the server's log
hash_at() { cypher "$1" system "CALL internal.dbms.transactionLog('$2', $3, 1) YIELD txId, chainHash RETURN chainHash" | sed -n 2p | tr -d "\"'"; }
# all_at URI DATABASE TXID: three members, every one at TXID (for wait_for)
all_at() { [ "$(members "$1" "$2" | awk -F'\t' -v t="$3" '$1==t{n++} END{print n+0}')" -ge 3 ]; }
count_of() { value "$1" "$2" "MATCH (n:DrillWrite) RETURN count(n)"; }

must "create replica" create_replica "$CCDR_B_URI" "$REPLICA" neo4j "$CCDR_A_ADDRESSES"
workload app "$APP" --target "a=$CCDR_A_URI#neo4j" --rate 50
must "application writing" wait_for 60 "first acknowledged write" grep -q '^ack' "$APP"
sleep $(( 2 + RANDOM % 4 ))

log "1. FULL backup of A's neo4j while the application writes"
run_backup "FULL backup" "$CCDR_A_ADDRESSES" "$BACKUPS" neo4j
full_ms=$LAST_MS
read -r full_kind full_end _ <<<"$(summary_field "$LAST")"
check "first backup is a FULL" "$([ "$full_kind" = FULL ] && echo true || echo false)" "$full_kind up to txId $full_end in $full_ms ms"
sleep $(( 2 + RANDOM % 3 ))

log "2. DIFF backup (AUTO continues the chain)"
run_backup "DIFF backup" "$CCDR_A_ADDRESSES" "$BACKUPS" neo4j
diff_ms=$LAST_MS
read -r diff_kind diff_end _ <<<"$(summary_field "$LAST")"
check "second backup is a DIFF after the FULL" "$([ "$diff_kind" = DIFF ] && [ "$diff_end" -ge "$full_end" ] && echo true || echo false)" \
  "$diff_kind up to txId $diff_end in $diff_ms ms"

log "3. the DR site backs up the replica, without touching A"
must "replica caught up" wait_for 120 "replica caught up" replica_caught_up neo4j "$REPLICA"
run_backup "backup of the replica" "$CCDR_B_ADDRESSES" "$DR_BACKUPS" "$REPLICA"
read -r _ dr_end dr_hash <<<"$(summary_field "$LAST")"
a_hash="$(hash_at "$CCDR_A_URI" neo4j "$dr_end")"
check "the replica's backup is A's history" "$([ -n "$dr_hash" ] && [ "$dr_hash" = "$a_hash" ] && echo true || echo false)" \
  "ends at txId $dr_end with chain hash ${dr_hash:0:12}, A there ${a_hash:0:12}"

log "4. the application stops; the point to come back to"
stop_workload app
must "A settled" wait_for 60 "A's members at one txId" converged "$CCDR_A_URI" neo4j "$CCDR_A_URI" neo4j
before="$(known_txid "$CCDR_A_URI" neo4j)"
before_hash="$(hash_at "$CCDR_A_URI" neo4j "$before")"
drill_ids "$CCDR_A_URI" neo4j >"$WORK/before.ids"
log "A's neo4j at txId $before (chain hash ${before_hash:0:12}), $(wc -l <"$WORK/before.ids") application nodes"

log "5. a destructive write: every application node deleted"
must "destructive write" cypher "$CCDR_A_URI" neo4j "MATCH (n:DrillWrite) DETACH DELETE n"
destroyed=$(now_ms)
ok=false; wait_for 60 "the deletion on the replica" bash -c "[ \"\$('$CCDR' shell -a '$CCDR_B_URI' -d '$REPLICA' --format plain --access-mode read 'MATCH (n:DrillWrite) RETURN count(n)' | sed -n 2p)\" = 0 ]" && ok=true
check "the destructive write reached the replica (replication is not a backup)" "$ok" \
  "$(count_of "$CCDR_B_URI" "$REPLICA") application nodes left on the replica $(( $(now_ms) - destroyed )) ms after the deletion"
run_backup "DIFF backup after the deletion" "$CCDR_A_ADDRESSES" "$BACKUPS" neo4j
if "$CCDR" admin backup validate --from-path="$BACKUPS" >"$WORK/validate.out" 2>&1; then ok=true; else ok=false; fi
check "the chain validates" "$ok" "$(tail -1 "$WORK/validate.out")"

log "6. point-in-time restore to txId $before, just before the deletion"
t0=$(now_ms)
must "restore" cypher "$CCDR_A_URI" system \
  "CREATE DATABASE restored OPTIONS {seedURI: 'file://$BACKUPS/', seedRestoreUntil: $before} WAIT"
must "restored online" wait_for 120 "restored on every member at txId $before" all_at "$CCDR_A_URI" restored "$before"
restore_ms=$(( $(now_ms) - t0 ))
hashes="$(members "$CCDR_A_URI" restored | cut -f2 | sort -u)"
check "restored at the same txId with A's chain hash there, on every member" \
  "$([ "$hashes" = "$before_hash" ] && echo true || echo false)" "txId $before, chain hash(es) $(echo "$hashes" | cut -c1-12 | tr '\n' ' ')"
drill_ids "$CCDR_A_URI" restored >"$WORK/restored.ids"
check "restored content equals the content before the deletion" "$(cmp -s "$WORK/before.ids" "$WORK/restored.ids" && echo true || echo false)" \
  "$(wc -l <"$WORK/restored.ids") application nodes restored, $(wc -l <"$WORK/before.ids") before the deletion"
acked_present "$APP" "$CCDR_A_URI" restored
verdict "full_ms=$full_ms diff_ms=$diff_ms restore_ms=$restore_ms restored_tx=$before acked=$(ack_count "$APP")"
