// Example user cost function for shunt: RAM copied plus a fixed set-up penalty
// per migration. It does not depend on the hosts, so every migration of a VM
// costs the same and minCost is simply that cost.

export default {
  create(options, { model }) {
    const { penalty, resource } = options;
    const r = model.resources.indexOf(resource);
    const R = model.resources.length;
    const costs = model.vms.map((vm) => (r < 0 ? 0 : model.demand[vm.index * R + r]) + penalty);
    const cost = (vm) => costs[vm];
    return {
      name: 'ram-plus-setup',
      unit: resource === 'ram' ? 'MiB' : resource,
      cost,
      minCost: cost,
    };
  },
};
