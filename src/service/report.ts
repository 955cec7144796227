/**
 * The HTML report of a plan job, drawn on the server's side: the job's instance and policy
 * loaded exactly as the job loaded them, then the report module's own page (which replays
 * the plan before drawing it). Kept apart from jobs.ts so that pool workers never load it.
 */
import { loadInstance } from '../api.js';
import type { Plan } from '../model/plan.js';
import { planReport, type ReportResult } from '../report/plan-report.js';
import { loadOptionsOf, planPolicy, type PlanBody } from './jobs.js';

export async function planJobReport(id: string, body: PlanBody, plan: Plan, pluginDirs: string[]): Promise<ReportResult> {
  const loaded = await loadInstance(body.instance, loadOptionsOf(planPolicy(body), pluginDirs));
  return planReport(loaded, plan, `plan job ${id}`);
}
