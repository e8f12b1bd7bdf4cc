/**
 * `pagerace/x86` is x86 for the kernel library: x86-64 with 4- or 5-level paging and x86-32 PAE:
 * their architectures, entry bits, kernel layouts and the arch/x86/mm code.
 */
export { type X86Arch, x86_64Arch } from '../../arch/x86-64/arch.js';
export * from '../../arch/x86-64/entry.js';
export * from '../../arch/x86-64/layout.js';
export * from '../../arch/x86-64/paging.js';
export { X86_PAE_ARCH } from '../../arch/x86-pae/arch.js';
