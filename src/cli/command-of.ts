/**
 * The command the arguments run (`shunt help NAME` shows NAME's help): the program has no
 * option taking a value, so it is the first operand. Apart from run.ts so that the executable
 * (launch/bin.ts) knows it before it loads the rest.
 */
export function commandOf(args: readonly string[]): string | undefined {
  const operands = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).filter((a) => !a.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** Whether the arguments ask for help (`--help`, `-h`, `help NAME`) rather than run a command. */
export function asksForHelp(args: readonly string[]): boolean {
  const before = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined);
  return before.includes('--help') || before.includes('-h') || before.find((a) => !a.startsWith('-')) === 'help';
}
