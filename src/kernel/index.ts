/**
 * `pagerace/kernel` is the generic kernel library (mm/ and the page-table parts of include/linux):
 * the kernel machine and its builder, the architecture interface, page-table helpers, allocation
 * (mm/memory.c, pgalloc-track.h), vmalloc, the vmemmap, memory hotplug, the page walkers,
 * pte_offset_map, khugepaged's retraction, RCU, locks, the hardware walk, the oracles and the
 * violation kinds they raise. The architectures are `pagerace/x86` and `pagerace/arm64`.
 */
export type { AccessKind, Arch, ArchId } from '../arch/arch.js';
export * from '../arch/format.js';
export { hardwareWalk, type Translation, translate, type WalkRead, type WalkStep } from '../arch/hw-walk.js';
export * from '../arch/pgtbl-mask.js';
export * from './access.js';
export * from './barrier.js';
export { FREEING_FUNCTIONS, Ghost, STALE_SLOTS } from './ghost.js';
export { type AccessSize, hardware_walk, hw_access } from './hw-access.js';
export type { KernelArch } from './kernel-arch.js';
export * from './khugepaged.js';
export * from './kinds.js';
export * from './lockless.js';
export * from './locks.js';
export * from './machine.js';
export * from './machine-builder.js';
export * from './memory.js';
export * from './memory-hotplug.js';
export * from './mm-init.js';
export { entryFormatOracle } from './oracles/entry-format.js';
export { lockOrderOracle } from './oracles/lock-order.js';
export { machineOracles } from './oracles/machine-oracles.js';
export { pgdConsistencyOracle } from './oracles/pgd-consistency.js';
export { pgdJoinOracle } from './oracles/pgd-join.js';
export { staleEntriesOracle } from './oracles/stale-entries.js';
export { checkSyncPostcondition, isSynced, type SyncedSlot } from './oracles/sync-postcondition.js';
export { useAfterFreeOracle } from './oracles/uaf.js';
export * from './pagewalk.js';
export * from './pgalloc.js';
export * from './pgalloc-track.js';
export * from './pgtable.js';
export * from './ptdump.js';
export * from './pte-offset-map.js';
export * from './rcu.js';
export * from './sched.js';
export * from './sparse-vmemmap.js';
export * from './struct-page.js';
export * from './tlb.js';
export * from './vmalloc.js';
export * from './vmalloc-to-page.js';
