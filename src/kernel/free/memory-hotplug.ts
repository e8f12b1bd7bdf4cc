import type { Cpu, Steps } from '../../engine/cpu.js';

/**
 * `try_remove_memory` (mm/memory_hotplug.c) is the generic half of memory hot-remove: under
 * `mem_hotplug_begin()` it runs the architecture's `arch_remove_memory`, which unmaps the removed
 * range and frees its page tables, then `mem_hotplug_done()`. `memHotplugLock` is the word of
 * mem_hotplug_lock (taken for write).
 */
export function* try_remove_memory(c: Cpu, memHotplugLock: number, arch_remove_memory: Steps): Steps {
  yield* c.call(
    'try_remove_memory',
    (function* () {
      yield* c.lock(memHotplugLock, 'mem_hotplug_begin');
      yield* c.call('arch_remove_memory', arch_remove_memory);
      yield* c.unlock(memHotplugLock, 'mem_hotplug_done');
    })(),
  );
}
