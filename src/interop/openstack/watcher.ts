/**
 * A verified plan as a Watcher audit: the `actuator` strategy takes a list of actions,
 * here one `migrate` action (live) per migration, in plan order. Watcher's default (weight)
 * planner then runs the actions of one type in chunks of its `parallelization` setting, each
 * chunk after the previous one; chunks of more than one would run migrations together that
 * the plan orders, so the plan's order is only safe with parallelization 1 for `migrate`.
 */
import type { Plan } from '../../model/plan.js';
import { planSteps } from './steps.js';
import { InputError, pointer } from '../../io/errors.js';
import { shq } from './runbook.js';

export interface WatcherOptions {
  planSource: string;
  instanceSource: string;
  /** Audit template name. */
  template?: string;
}

/**
 * Live and cold moves become Watcher `migrate` actions; Watcher's actuator cannot unshelve onto
 * a chosen host, so a plan with shelving is refused (the runbook format runs it).
 */
export function watcherActions(plan: Plan, source = 'plan') {
  const steps = planSteps(plan, source);
  const shelving = steps.findIndex((s) => s.action === 'shelve' || s.action === 'unshelve');
  if (shelving >= 0) {
    const s = steps[shelving]!;
    throw new InputError(source, [{ path: pointer('waves', s.wave, 'migrations', s.index - steps.findIndex((t) => t.wave === s.wave), 'action'), message: `a ${s.action} (of ${s.vm}) has no Watcher action that picks its host; use --format script` }]);
  }
  return steps.map((s) => ({
    action_type: 'migrate',
    resource_id: s.vm,
    input_parameters: { migration_type: s.action === 'cold' ? 'cold' : 'live', source_node: s.from!, destination_node: s.to! },
  }));
}

export function exportWatcher(plan: Plan, o: WatcherOptions): string {
  const actions = watcherActions(plan, o.planSource);
  const cold = actions.filter((x) => x.input_parameters.migration_type === 'cold').length;
  const template = o.template ?? 'shunt-actuator';
  return [
    '#!/usr/bin/env bash',
    `# Watcher audit for plan ${o.planSource} (${actions.length} ${cold ? `migration(s), ${cold} of them cold` : 'live migration(s)'}, status ${plan.status}) of ${o.instanceSource}.`,
    '# The actions are in plan order. Watcher\'s weight planner runs the actions of one type in',
    '# chunks of its parallelization setting, each chunk after the previous one. The order is',
    '# only safe when migrations run one at a time: before creating the audit, set in the',
    '# decision engine\'s watcher.conf (and restart it)',
    '#   [watcher_planners.weight]',
    '#   parallelization = migrate:1,resize:2,change_nova_service_state:1,nop:1,sleep:1,turn_host_to_acpi_s3_state:2,change_node_power_state:2,volume_migrate:2',
    '# With a larger migrate parallelisation this plan is NOT known to be safe: shunt only',
    '# guarantees the order given here. (`shunt export openstack --format script` runs the',
    '# plan\'s own parallelism instead.) destination_node needs compute API 2.56 in Watcher.',
    'set -euo pipefail',
    `openstack optimize audittemplate create ${shq(template)} unclassified --strategy actuator`,
    `openstack optimize audit create -a ${shq(template)} -t ONESHOT -p actions=${shq(JSON.stringify(actions))}`,
    '',
  ].join('\n');
}
