export * from './api.js';
export type { InstanceDoc, PolicyDoc, PluginRef } from './model/instance.js';
export type { Plan, Wave, Migration, PlanStatus } from './model/plan.js';
export type * from './plugin-api.js';
export { compileModel, type Model } from './model/model.js';
export { PlacementState, type StateView } from './model/state.js';
export { createKernel, Kernel } from './kernel/kernel.js';
export { verifyPlan, formatViolation } from './verify/replay.js';
export { InputError } from './io/errors.js';
