import type { Cpu } from '../engine/cpu.js';
import type { Op } from '../engine/op.js';
import type { KernelMachine, MmInfo } from './machine.js';

/**
 * `locks` are the kernel's locks as operations: each acquire and release is a scheduling point;
 * a CPU trying to take a held lock is blocked (not spinning), so exhaustive search terminates.
 * Each helper is one operation: it returns the CPU's refilled Op, performed with one `yield`
 * (`yield spin_lock(c, k.pgdLock)`), so a lock costs no generator of its own.
 */

/** `spin_lock` (include/linux/spinlock.h). */
export function spin_lock(c: Cpu, lock: number): Op {
  return c.lock(lock, 'spin_lock');
}

/** `spin_unlock` (include/linux/spinlock.h). */
export function spin_unlock(c: Cpu, lock: number): Op {
  return c.unlock(lock, 'spin_unlock');
}

/** `mem_hotplug_begin` takes mem_hotplug_lock for writing (mm/memory_hotplug.c). */
export function mem_hotplug_begin(c: Cpu, k: KernelMachine): Op {
  return c.lock(k.memHotplugLock, 'mem_hotplug_begin');
}

/** `mem_hotplug_done` releases mem_hotplug_lock (mm/memory_hotplug.c). */
export function mem_hotplug_done(c: Cpu, k: KernelMachine): Op {
  return c.unlock(k.memHotplugLock, 'mem_hotplug_done');
}

/** `get_online_mems` takes mem_hotplug_lock for reading (mm/memory_hotplug.c). */
export function get_online_mems(c: Cpu, k: KernelMachine): Op {
  return c.readLock(k.memHotplugLock, 'get_online_mems');
}

/** `put_online_mems` releases the read side (mm/memory_hotplug.c). */
export function put_online_mems(c: Cpu, k: KernelMachine): Op {
  return c.readUnlock(k.memHotplugLock, 'put_online_mems');
}

/** `mmap_write_lock` takes `mm->mmap_lock` for writing (include/linux/mmap_lock.h). */
export function mmap_write_lock(c: Cpu, mm: MmInfo): Op {
  return c.lock(mm.mmapLock, 'mmap_write_lock');
}

/** `mmap_write_unlock` releases it. */
export function mmap_write_unlock(c: Cpu, mm: MmInfo): Op {
  return c.unlock(mm.mmapLock, 'mmap_write_unlock');
}

/** `mmap_read_lock` takes `mm->mmap_lock` for reading. */
export function mmap_read_lock(c: Cpu, mm: MmInfo): Op {
  return c.readLock(mm.mmapLock, 'mmap_read_lock');
}

/** `mmap_read_unlock` releases the read side. */
export function mmap_read_unlock(c: Cpu, mm: MmInfo): Op {
  return c.readUnlock(mm.mmapLock, 'mmap_read_unlock');
}
