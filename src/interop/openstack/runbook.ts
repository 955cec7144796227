/**
 * A verified plan as a bash runbook for the `openstack` client: each migration starts once
 * the migrations it waits for are done (the plan's dependencies already keep every host's
 * limits), as a background job, at most the plan's largest wave at a time. Each step checks
 * the server is ACTIVE on its expected host, live-migrates it with the scheduler checking the
 * destination (`--host`, compute API 2.30), and checks where it ended. Plan v2 actions: a
 * cold move is `server migrate --host` (API 2.56) and its confirmation, a shelve `server shelve
 * --offload` (the server must release its host, SHELVED_OFFLOADED), an unshelve `server
 * unshelve --host` (API 2.91). Completed steps are
 * recorded in a state file, so a rerun resumes; a VM that visits a host twice (parking)
 * is told apart by step number, not by host alone.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../model/plan.js';
import { largestWave, planFingerprint, planSteps, type Step } from './steps.js';

export interface RunbookOptions {
  /** Plan file name, for the header. */
  planSource: string;
  instanceSource: string;
  /** VM name -> display name, for log lines. */
  displayNames?: ReadonlyMap<string, string>;
  /** Compute API microversion for `server migrate --live-migration --host` (2.30 or later). */
  computeApiVersion?: string;
}

/** Single-quoted for bash. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const array = (name: string, values: readonly string[]) => `${name}=(\n${values.map((v) => `  ${v}`).join('\n')}\n)`;

/** "5 live migration(s)", or with plan v2 actions "5 step(s): 3 live, 1 shelve, 1 unshelve". */
function stepCount(steps: readonly Step[]): string {
  const counts = new Map<string, number>();
  for (const s of steps) counts.set(s.action, (counts.get(s.action) ?? 0) + 1);
  if (counts.size <= 1 && !steps.some((s) => s.action !== 'live')) return `${steps.length} live migration(s)`;
  return `${steps.length} step(s): ${[...counts].map(([a, n]) => `${n} ${a}`).join(', ')}`;
}

/** Comment lines at the top of the runbook. */
function header(plan: Plan, steps: readonly Step[], o: RunbookOptions): string {
  return [
    `shunt runbook: ${stepCount(steps)} in ${plan.waves.length} wave(s)`,
    `plan ${o.planSource} (status ${plan.status}, cost ${plan.cost ?? 'n/a'}) for ${o.instanceSource}`,
    `plan fingerprint ${planFingerprint(steps)}`,
    '',
    'Each migration starts when those it waits for are done, as a background job, at most',
    `SHUNT_MAX_PARALLEL (default ${largestWave(plan)}, the plan's largest wave) at a time.`,
    'Completed steps go to the state file (SHUNT_STATE, default: this script\'s name + .state):',
    'rerun the script after a failure and it resumes. Keep the state file until the end: a',
    'server that is parked visits hosts more than once, and only the step numbers tell which',
    'visit it is at. Log: SHUNT_LOG (default: this script\'s name + .log).',
  ].map((l) => `# ${l}`.trimEnd().replace(/\n/g, ' ')).join('\n');
}

/** The script around the steps (kept as a file so that it reads as bash). */
// Next to this module: the build copies it into dist/ (the package ships no src/).
const TEMPLATE = () => readFileSync(fileURLToPath(new URL('./runbook.template.sh', import.meta.url)), 'utf8');

export function exportRunbook(plan: Plan, o: RunbookOptions): string {
  const steps = planSteps(plan, o.planSource);
  const label = (vm: string) => o.displayNames?.get(vm) ?? vm;
  const tables = [
    '# Steps in plan order: server, action, source, destination (empty: shelved), label, steps it waits for (0-based).',
    array('STEP_VM', steps.map((s) => shq(s.vm))),
    array('STEP_ACTION', steps.map((s) => s.action)),
    array('STEP_FROM', steps.map((s) => shq(s.from ?? ''))),
    array('STEP_TO', steps.map((s) => shq(s.to ?? ''))),
    array('STEP_LABEL', steps.map((s) => shq(label(s.vm)))),
    array('STEP_AFTER', steps.map((s) => shq(s.after.join(' ')))),
  ].join('\n');
  const values: Record<string, string> = {
    HEADER: header(plan, steps, o),
    MAX_PARALLEL: String(largestWave(plan)),
    FINGERPRINT: planFingerprint(steps),
    API: shq(o.computeApiVersion ?? '2.30'),
    STEPS: tables,
  };
  return TEMPLATE().replace(/@([A-Z_]+)@/g, (all, key: string) => values[key] ?? all);
}
