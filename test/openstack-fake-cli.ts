/**
 * A fake `openstack` executable for runbook tests: servers' hosts and statuses live in files
 * under a directory, every call is recorded, migrations log their start and end (under a
 * lock, so the log is in time order) and sleep a little so that parallel ones overlap.
 * A file fail/<server> holding a host makes the next migration of that server to that host
 * fail once. A migration ignores SIGINT, as Nova goes on when the client is interrupted.
 * Plan v2 actions: a cold migration (`server migrate --host`, API 2.56) leaves the server in
 * VERIFY_RESIZE until `server resize confirm`; `server shelve --offload` leaves it
 * SHELVED_OFFLOADED on host None; `server unshelve --host` (API 2.91) boots it there.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = String.raw`#!/usr/bin/env bash
set -euo pipefail
d="$FAKE_OS_DIR"
printf '%s\n' "$*" >> "$d/calls.log"
api=
if [[ $1 == --os-compute-api-version ]]; then api=$2; shift 2; fi
case "$1 $2" in
  "token issue")
    if [[ -n "\${FAKE_OS_NO_AUTH:-}" ]]; then echo "Missing value auth-url required for auth plugin password" >&2; exit 1; fi
    echo fake-token ;;
  "server show")
    field=$6 vm=$7
    [[ -f "$d/hosts/$vm" ]] || { echo "No server with a name or ID of '$vm' exists." >&2; exit 1; }
    case "$field" in
      OS-EXT-SRV-ATTR:host) cat "$d/hosts/$vm" ;;
      status) if [[ -f "$d/status/$vm" ]]; then cat "$d/status/$vm"; else echo ACTIVE; fi ;;
      *) echo "unknown field $field" >&2; exit 1 ;;
    esac ;;
  "server migrate")
    # The migration is Nova's: an interrupted client does not stop it.
    trap '' INT
    if [[ $3 == --host ]]; then
      [[ $5 == --wait ]] || { echo "unexpected arguments: $*" >&2; exit 2; }
      [[ -n $api ]] && [[ $(printf '%s\n' "2.56" "$api" | sort -V | head -n1) == 2.56 ]] || { echo "cold --host needs compute API 2.56, got '$api'" >&2; exit 2; }
      to=$4 vm=$6 from=$(cat "$d/hosts/$vm")
      ( flock 9; echo "start $vm $from $to" >> "$d/events.log" ) 9> "$d/lock"
      echo "$to" > "$d/hosts/$vm"; echo VERIFY_RESIZE > "$d/status/$vm"
      ( flock 9; echo "end $vm $from $to" >> "$d/events.log" ) 9> "$d/lock"
      exit 0
    fi
    [[ $3 == --live-migration && $4 == --host && $6 == --wait ]] || { echo "unexpected arguments: $*" >&2; exit 2; }
    to=$5 vm=$7
    [[ -n $api ]] && [[ $(printf '%s\n' "2.30" "$api" | sort -V | head -n1) == 2.30 ]] || { echo "--host needs compute API 2.30, got '$api'" >&2; exit 2; }
    from=$(cat "$d/hosts/$vm")
    ( flock 9; echo "start $vm $from $to" >> "$d/events.log" ) 9> "$d/lock"
    sleep "\${FAKE_OS_SLEEP:-0.2}"
    if [[ -f "$d/fail/$vm" && $(cat "$d/fail/$vm") == "$to" ]]; then
      rm "$d/fail/$vm"
      ( flock 9; echo "fail $vm $from $to" >> "$d/events.log" ) 9> "$d/lock"
      echo "Migration pre-check error: injected failure" >&2; exit 1
    fi
    echo "$to" > "$d/hosts/$vm"
    ( flock 9; echo "end $vm $from $to" >> "$d/events.log" ) 9> "$d/lock"
    echo "Complete" ;;
  "server resize")
    [[ $3 == confirm ]] || { echo "unexpected arguments: $*" >&2; exit 2; }
    [[ $(cat "$d/status/$4" 2>/dev/null) == VERIFY_RESIZE ]] || { echo "Cannot 'confirmResize' instance $4 while it is in vm_state active" >&2; exit 1; }
    echo ACTIVE > "$d/status/$4" ;;
  "server shelve")
    [[ $3 == --offload && $4 == --wait ]] || { echo "unexpected arguments: $*" >&2; exit 2; }
    vm=$5 from=$(cat "$d/hosts/$vm")
    ( flock 9; echo "start $vm $from None" >> "$d/events.log" ) 9> "$d/lock"
    echo None > "$d/hosts/$vm"; echo SHELVED_OFFLOADED > "$d/status/$vm"
    ( flock 9; echo "end $vm $from None" >> "$d/events.log" ) 9> "$d/lock" ;;
  "server unshelve")
    [[ $3 == --host && $5 == --wait ]] || { echo "unexpected arguments: $*" >&2; exit 2; }
    [[ -n $api ]] && [[ $(printf '%s\n' "2.91" "$api" | sort -V | head -n1) == 2.91 ]] || { echo "unshelve --host needs compute API 2.91, got '$api'" >&2; exit 2; }
    to=$4 vm=$6
    [[ $(cat "$d/status/$vm" 2>/dev/null) == SHELVED_OFFLOADED ]] || { echo "Cannot 'unshelve' instance $vm while it is not shelved" >&2; exit 1; }
    ( flock 9; echo "start $vm None $to" >> "$d/events.log" ) 9> "$d/lock"
    echo "$to" > "$d/hosts/$vm"; echo ACTIVE > "$d/status/$vm"
    ( flock 9; echo "end $vm None $to" >> "$d/events.log" ) 9> "$d/lock" ;;
  *) echo "fake openstack: unsupported command: $*" >&2; exit 2 ;;
esac
`.replaceAll('\\${', '${');

export interface FakeCloud {
  /** Directory to put first on PATH. */
  bin: string;
  dir: string;
  hostOf(vm: string): string;
  failNext(vm: string, to: string): void;
  setStatus(vm: string, status: string): void;
  /** Migration events in time order: [kind, vm, from, to]. */
  events(): [kind: 'start' | 'end' | 'fail', vm: string, from: string, to: string][];
  migrateCalls(): string[];
  /** Every call but reads (server show, token issue). */
  calls(): string[];
}

export function fakeOpenStack(root: string, placement: Record<string, string>): FakeCloud {
  const dir = join(root, 'cloud');
  const bin = join(root, 'bin');
  for (const sub of ['hosts', 'status', 'fail']) mkdirSync(join(dir, sub), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'openstack'), SCRIPT);
  chmodSync(join(bin, 'openstack'), 0o755);
  for (const [vm, host] of Object.entries(placement)) writeFileSync(join(dir, 'hosts', vm), `${host}\n`);
  const lines = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean) : []);
  return {
    bin, dir,
    hostOf: (vm) => readFileSync(join(dir, 'hosts', vm), 'utf8').trim(),
    failNext: (vm, to) => writeFileSync(join(dir, 'fail', vm), to),
    setStatus: (vm, status) => writeFileSync(join(dir, 'status', vm), `${status}\n`),
    events: () => lines('events.log').map((l) => l.split(' ') as ['start' | 'end' | 'fail', string, string, string]),
    migrateCalls: () => lines('calls.log').filter((l) => l.includes('server migrate')),
    calls: () => lines('calls.log').filter((l) => !l.startsWith('server show') && !l.startsWith('token')),
  };
}
