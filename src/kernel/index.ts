/**
 * `pagerace/kernel` is the generic kernel library (mm/): the kernel machine and its builder, the
 * page-table helpers, allocation, populate, the page walkers, pte_offset_map, RCU, the hotplug
 * lock, the oracles and the violation kinds they raise.
 */
export * from './kinds.js';
export * from './locks.js';
export * from './rcu.js';
