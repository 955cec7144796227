/** Injection tokens: registries and services are interfaces or generics, so they get explicit tokens. */
export const TOKENS = {
  costs: Symbol('CostRegistry'),
  rules: Symbol('RuleRegistry'),
  overcommits: Symbol('OvercommitRegistry'),
  engines: Symbol('EngineRegistry'),
  strategies: Symbol('StrategyRegistry'),
  schemas: Symbol('SchemaValidator'),
} as const;
