/**
 * `COMMITS` are the kernel commits the x86-64 vmemmap models cite, `sha ("subject")` as
 * `git log --oneline` prints them (subjects checked against the stable and mm-commits mails).
 */
export const COMMITS = {
  compoundDevmaps: '4917f55b4ef9 ("mm/sparse-vmemmap: improve memory savings for compound devmaps")',
  subPmd: '8d400913c231 ("x86/vmemmap: handle unpopulated sub-pmd ranges")',
  populateKernel: 'f2d2f9598ebb ("mm: introduce and use {pgd,p4d}_populate_kernel()")',
  archSync: '6659d0279980 ("x86/mm/64: define ARCH_PAGE_TABLE_SYNC_MASK and arch_sync_kernel_mappings()")',
  syncGlobalPgds:
    '9b861528a801 ("x86-64, mem: Update all PGDs for direct mapping and vmemmap mapping changes")',
} as const;
