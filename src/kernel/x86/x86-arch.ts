import type { X86Arch } from '../../arch/x86-64/arch.js';
import type { KernelArch } from '../kernel-arch.js';
import type { KernelMachine } from '../machine.js';

/**
 * `X86KernelArch` is x86-64 as the kernel library runs it: the architecture with its paging mode
 * and layout, the arch/x86/mm code, and whether page-table isolation is on (PTI: every PGD has a
 * user copy, kernel_to_user_pgdp(), that clone_pgd_range() fills too).
 */
export interface X86KernelArch extends KernelArch, Omit<X86Arch, keyof KernelArch> {
  id: 'x86-64';
  pti: boolean;
}

/** `x86Of` is the x86-64 architecture of machine `k`; x86 code run on another machine is a model error. */
export function x86Of(k: KernelMachine): X86KernelArch {
  if (k.arch.id !== 'x86-64') throw new Error(`this is arch/x86/mm code; the machine is ${k.arch.name}`);
  return k.arch as X86KernelArch;
}
