// Example user rule for shunt: at most `max` VMs present on a host at any moment.
// A VM in flight is present on both hosts (StateView.vmsOn lists it on each), so
// a host that already holds `max` VMs can take one more only once one has left.
// The rule is monotone (adding a VM never repairs a violation), as the kernel requires.

/** Number of VMs present on the host, those leaving or arriving included. */
function countOn(state, host, except = -1) {
  let n = 0;
  for (const v of state.vmsOn(host)) if (v !== except) n++;
  return n;
}

export default {
  create(options, { model }) {
    const max = options.max;
    return {
      name: 'max-vms-per-host',

      check(state, hosts) {
        const violations = [];
        for (const h of hosts ?? model.hosts.map((host) => host.index)) {
          const n = countOn(state, h);
          if (n <= max) continue;
          const host = model.hosts[h].name;
          violations.push({
            rule: 'max-vms-per-host', host, load: n, limit: max,
            message: `host ${host} holds ${n} VMs, more than ${max}`,
          });
        }
        return violations;
      },

      admits(state, vm, host) {
        return countOn(state, host, vm) + 1 <= max;
      },
    };
  },
};
