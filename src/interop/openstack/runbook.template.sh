#!/usr/bin/env bash
@HEADER@
set -euo pipefail

if (( BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1) )); then
  echo "this runbook needs bash 5.1 or later (wait -n -p)" >&2
  exit 1
fi
STATE_FILE="${SHUNT_STATE:-${0%.sh}.state}"
LOG_FILE="${SHUNT_LOG:-${0%.sh}.log}"
MAX_PARALLEL="${SHUNT_MAX_PARALLEL:-@MAX_PARALLEL@}"
FINGERPRINT=@FINGERPRINT@
API=@API@

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG_FILE" >&2; }
die() { log "STOPPED: $*"; exit 1; }

command -v openstack >/dev/null 2>&1 || die "the openstack client is not on PATH"
openstack token issue -f value -c id >/dev/null 2>&1 || die "no valid OpenStack credentials (source an openrc file or set OS_CLOUD)"
[[ $MAX_PARALLEL =~ ^[1-9][0-9]*$ ]] || die "SHUNT_MAX_PARALLEL must be a positive integer, not '$MAX_PARALLEL'"

@STEPS@

N=${#STEP_VM[@]}
declare -a STATUS
for ((k = 0; k < N; k++)); do STATUS[k]=pending; done
if [[ -s $STATE_FILE ]]; then
  read -r first < "$STATE_FILE" || true
  [[ $first == "# shunt-plan $FINGERPRINT" ]] || die "$STATE_FILE belongs to another plan ($first); move it away to start afresh"
  while read -r k || [[ -n $k ]]; do
    [[ $k == \#* ]] && continue
    if ! [[ $k =~ ^[0-9]+$ ]] || (( k >= N )); then die "$STATE_FILE: bad line '$k'"; fi
    STATUS[k]=finished
  done < "$STATE_FILE"
else
  echo "# shunt-plan $FINGERPRINT" > "$STATE_FILE"
fi

server_field() { openstack server show -f value -c "$2" "$1"; }

# A shelve: the server must end SHELVED_OFFLOADED (its host released), hence --offload.
run_shelve() {
  local vm=$1 from=$2 what=$3 host status
  status=$(server_field "$vm" status) || { log "$what: cannot read server $vm"; return 1; }
  if [[ $status == SHELVED_OFFLOADED ]]; then log "$what: already shelved, skipped"; return 0; fi
  host=$(server_field "$vm" OS-EXT-SRV-ATTR:host) || { log "$what: cannot read server $vm"; return 1; }
  [[ $host == "$from" && $status == ACTIVE ]] || { log "$what: server is $status on $host, expected ACTIVE on $from"; return 1; }
  log "$what: shelving"
  openstack server shelve --offload --wait "$vm" || { log "$what: openstack server shelve failed"; return 1; }
  status=$(server_field "$vm" status) || { log "$what: cannot read server $vm"; return 1; }
  [[ $status == SHELVED_OFFLOADED ]] || { log "$what: after shelving the server is $status"; return 1; }
  log "$what: done"
}

# An unshelve onto the plan's host (compute API 2.91 for --host).
run_unshelve() {
  local vm=$1 to=$2 what=$3 host status
  status=$(server_field "$vm" status) || { log "$what: cannot read server $vm"; return 1; }
  host=$(server_field "$vm" OS-EXT-SRV-ATTR:host) || { log "$what: cannot read server $vm"; return 1; }
  if [[ $host == "$to" && $status == ACTIVE ]]; then log "$what: already on $to, skipped"; return 0; fi
  [[ $status == SHELVED_OFFLOADED ]] || { log "$what: server is $status, expected SHELVED_OFFLOADED"; return 1; }
  log "$what: unshelving"
  openstack --os-compute-api-version 2.91 server unshelve --host "$to" --wait "$vm" \
    || { log "$what: openstack server unshelve failed"; return 1; }
  host=$(server_field "$vm" OS-EXT-SRV-ATTR:host) || { log "$what: cannot read server $vm"; return 1; }
  status=$(server_field "$vm" status) || { log "$what: cannot read server $vm"; return 1; }
  [[ $host == "$to" && $status == ACTIVE ]] || { log "$what: after unshelving the server is $status on $host"; return 1; }
  log "$what: done"
}

# A cold migration: Nova stops the server, moves it and starts it; it waits in VERIFY_RESIZE
# until confirmed.
cold_migrate() {
  local vm=$1 to=$2 what=$3 status tries
  openstack --os-compute-api-version 2.56 server migrate --host "$to" --wait "$vm" || return 1
  status=$(server_field "$vm" status) || return 1
  if [[ $status == VERIFY_RESIZE ]]; then openstack server resize confirm "$vm" || return 1; fi
  for ((tries = 0; tries < 60; tries++)); do
    status=$(server_field "$vm" status) || return 1
    [[ $status == VERIFY_RESIZE ]] || return 0
    sleep 5
  done
  log "$what: still VERIFY_RESIZE after confirming"
  return 1
}

# "cold " etc. before a step's hosts; nothing for a live migration.
action_word() { [[ ${STEP_ACTION[$1]} == live ]] || printf '%s ' "${STEP_ACTION[$1]}"; }

# One step; runs as a background job. Returns non-zero on any failure.
run_step() {
  local k=$1 vm=${STEP_VM[$1]} action=${STEP_ACTION[$1]} from=${STEP_FROM[$1]} to=${STEP_TO[$1]} what host status
  what="step $((k + 1))/$N (${STEP_LABEL[$1]} $(action_word "$k")${from:-shelved} -> ${to:-shelved})"
  case $action in
    shelve) run_shelve "$vm" "$from" "$what"; return ;;
    unshelve) run_unshelve "$vm" "$to" "$what"; return ;;
  esac
  host=$(server_field "$vm" OS-EXT-SRV-ATTR:host) || { log "$what: cannot read server $vm"; return 1; }
  # Every earlier step of this server is done (the plan orders them), so being on the
  # destination means this step already ran.
  if [[ $host == "$to" ]]; then log "$what: already on $to, skipped"; return 0; fi
  [[ $host == "$from" ]] || { log "$what: server is on $host, expected $from"; return 1; }
  status=$(server_field "$vm" status) || { log "$what: cannot read server $vm"; return 1; }
  [[ $status == ACTIVE ]] || { log "$what: server is $status, expected ACTIVE"; return 1; }
  log "$what: migrating"
  if [[ $action == cold ]]; then
    cold_migrate "$vm" "$to" "$what" || { log "$what: cold migration failed"; return 1; }
  else
    openstack --os-compute-api-version "$API" server migrate --live-migration --host "$to" --wait "$vm" \
      || { log "$what: openstack server migrate failed"; return 1; }
  fi
  host=$(server_field "$vm" OS-EXT-SRV-ATTR:host) || { log "$what: cannot read server $vm"; return 1; }
  status=$(server_field "$vm" status) || { log "$what: cannot read server $vm"; return 1; }
  [[ $host == "$to" && $status == ACTIVE ]] || { log "$what: after migrating the server is $status on $host"; return 1; }
  log "$what: done"
}

ready() {
  local d
  for d in ${STEP_AFTER[$1]}; do [[ ${STATUS[d]} == finished ]] || return 1; done
}

trap 'log "interrupted: migrations already started go on in Nova; rerun when they are done (the state file has the finished steps)"; exit 130' INT TERM

declare -A RUNNING=()
failed=
log "runbook started: $N step(s), at most $MAX_PARALLEL at a time, state in $STATE_FILE"
while :; do
  if [[ -z $failed ]]; then
    for ((k = 0; k < N && ${#RUNNING[@]} < MAX_PARALLEL; k++)); do
      if [[ ${STATUS[k]} != pending ]] || ! ready "$k"; then continue; fi
      run_step "$k" &
      RUNNING[$!]=$k
      STATUS[k]=running
    done
  fi
  (( ${#RUNNING[@]} > 0 )) || break
  pid=
  if wait -n -p pid; then rc=0; else rc=$?; fi
  [[ -n $pid ]] || die "lost track of the running migrations"
  k=${RUNNING[$pid]}
  unset "RUNNING[$pid]"
  if (( rc == 0 )); then
    STATUS[k]=finished
    echo "$k" >> "$STATE_FILE"
  else
    STATUS[k]=failed
    [[ -n $failed ]] || failed=$k
    log "step $((k + 1))/$N failed; waiting for the ${#RUNNING[@]} running migration(s), starting no more"
  fi
done
if [[ -n $failed ]]; then
  die "step $((failed + 1))/$N failed: server ${STEP_VM[failed]} (${STEP_LABEL[failed]}) $(action_word "$failed")${STEP_FROM[failed]:-shelved} -> ${STEP_TO[failed]:-shelved}; fix the cause and rerun to resume"
fi
for ((k = 0; k < N; k++)); do
  [[ ${STATUS[k]} == finished ]] || die "step $((k + 1))/$N never became ready (its dependencies failed)"
done
log "runbook finished: all $N step(s) done"
