import type { Cpu, Steps } from '../engine/cpu.js';

/**
 * `locks` are the kernel's locks as operations: each acquire and release is a scheduling point;
 * a CPU trying to take a held lock is blocked (not spinning), so exhaustive search terminates.
 */

/** `HotplugLock` is whatever holds the word of mem_hotplug_lock: the x86 `Kernel`, an arm64 model's tables. */
export interface HotplugLock {
  readonly memHotplugLock: number;
}

/** `spin_lock` (include/linux/spinlock.h). */
export function* spin_lock(c: Cpu, lock: number): Steps {
  yield c.lock(lock, 'spin_lock');
}

/** `spin_unlock` (include/linux/spinlock.h). */
export function* spin_unlock(c: Cpu, lock: number): Steps {
  yield c.unlock(lock, 'spin_unlock');
}

/** `mem_hotplug_begin` takes mem_hotplug_lock for writing (mm/memory_hotplug.c). */
export function* mem_hotplug_begin(c: Cpu, k: HotplugLock): Steps {
  yield c.lock(k.memHotplugLock, 'mem_hotplug_begin');
}

/** `mem_hotplug_done` releases mem_hotplug_lock (mm/memory_hotplug.c). */
export function* mem_hotplug_done(c: Cpu, k: HotplugLock): Steps {
  yield c.unlock(k.memHotplugLock, 'mem_hotplug_done');
}

/** `get_online_mems` takes mem_hotplug_lock for reading (mm/memory_hotplug.c). */
export function* get_online_mems(c: Cpu, k: HotplugLock): Steps {
  yield c.readLock(k.memHotplugLock, 'get_online_mems');
}

/** `put_online_mems` releases the read side (mm/memory_hotplug.c). */
export function* put_online_mems(c: Cpu, k: HotplugLock): Steps {
  yield c.readUnlock(k.memHotplugLock, 'put_online_mems');
}
