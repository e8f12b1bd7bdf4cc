/**
 * `WALKER_NAMES` name the CPUs of the lockless models that walk: the first is `A`, as the models
 * have always had it, the others come after the CPU that frees (`B`).
 */
export const WALKER_NAMES: readonly string[] = ['A', 'C', 'D', 'E'];
