import type { Cpu, Steps } from '../../engine/cpu.js';
import { type HotplugLock, mem_hotplug_begin, mem_hotplug_done } from '../locks.js';

/**
 * `try_remove_memory` (mm/memory_hotplug.c) is the generic half of memory hot-remove: under
 * `mem_hotplug_begin()` it runs the architecture's `arch_remove_memory`, which unmaps the removed
 * range and frees its page tables, then `mem_hotplug_done()`.
 */
export function* try_remove_memory(c: Cpu, locks: HotplugLock, arch_remove_memory: Steps): Steps {
  c.enter('try_remove_memory');
  yield* mem_hotplug_begin(c, locks);
  c.enter('arch_remove_memory');
  yield* arch_remove_memory;
  c.leave();
  yield* mem_hotplug_done(c, locks);
  c.leave();
}
