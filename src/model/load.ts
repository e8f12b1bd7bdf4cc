import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import { type ModelDefinition, modelProblem, type Variant, variantModels } from './define.js';

/** `ModelError` is a model that cannot be used: missing, malformed, or failing to load. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** `LoadedModel` is a model definition with where it came from. */
export interface LoadedModel {
  def: ModelDefinition;
  /** how a replay token refers to it: the bundled name, or the file's absolute path */
  ref: string;
  file: string;
}

/** `Target` is one variant of one model under one memory model, ready to check. */
export interface Target {
  model: LoadedModel;
  variantName: string;
  variant: Variant;
  memoryModel: MemoryModelName;
}

/** `targetLabel` names a target in tables and progress: `model:variant`, `@tso` when not under sc. */
export function targetLabel(t: { model: string; variant: string; memoryModel: MemoryModelName }): string {
  return `${t.model}:${t.variant}${t.memoryModel === 'sc' ? '' : `@${t.memoryModel}`}`;
}

const here = dirname(fileURLToPath(import.meta.url));
/** `MODELS_DIR` is the bundled models: `models/` from source, `dist/models/` when compiled. */
export const MODELS_DIR = resolve(here, '..', '..', 'models');
const SOURCE_EXT = extname(fileURLToPath(import.meta.url)) === '.ts' ? '.ts' : '.js';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'lib') out.push(...listFiles(p));
    } else if (name.endsWith(SOURCE_EXT) && !name.endsWith('.d.ts')) {
      out.push(p);
    }
  }
  return out;
}

/** `bundledModelFiles` lists the model files under models/ (helpers live in `lib/` folders). */
export function bundledModelFiles(): string[] {
  return listFiles(MODELS_DIR);
}

let tsxRegistered = false;

async function importFile(file: string): Promise<unknown> {
  if (file.endsWith('.ts') && SOURCE_EXT === '.js' && !tsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  return import(pathToFileURL(file).href);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n').find((l) => l.trim() !== '') ?? msg;
}

/**
 * `importModuleFile` imports a user's file (a model, a strategy), `.ts` through tsx; a file that
 * does not parse or fails to load is a ModelError naming `what` it is.
 */
export async function importModuleFile(file: string, what: string): Promise<unknown> {
  try {
    return await importFile(file);
  } catch (e) {
    const kind =
      e instanceof SyntaxError || /Transform failed|Expected|Unexpected/.test(String(e))
        ? 'has a syntax error'
        : 'failed to load';
    throw new ModelError(`${what} ${kind}: ${firstLine(e)}`);
  }
}

/** `loadModelFile` imports a model file and checks that it default-exports a model. */
export async function loadModelFile(file: string, ref: string): Promise<LoadedModel> {
  if (!existsSync(file)) throw new ModelError(`model file ${file} does not exist`);
  const mod = await importModuleFile(file, `model file ${relative(process.cwd(), file) || file}`);
  const def = (mod as { default?: unknown }).default;
  if (def === undefined) {
    throw new ModelError(
      `model file ${relative(process.cwd(), file)} has no default export: end it with export default defineModel({...})`,
    );
  }
  const problem = modelProblem(def);
  if (problem) throw new ModelError(`model file ${relative(process.cwd(), file)}: ${problem}`);
  return { def: def as ModelDefinition, ref, file };
}

/** `looksLikePath` says whether a command-line reference names a file rather than a bundled name. */
export function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.includes(sep) || /\.(ts|js|mjs)$/.test(spec);
}

/**
 * `loadModel` finds a model by bundled name (`lost-update`) or by file path
 * (`./my-model.ts`, absolute or relative to the working directory).
 */
export async function loadModel(name: string): Promise<LoadedModel> {
  if (looksLikePath(name)) {
    const file = resolve(name);
    if (!existsSync(file)) throw new ModelError(`model file ${name} does not exist`);
    return loadModelFile(file, file);
  }
  const file = bundledModelFiles().find((f) => f.endsWith(`${sep}${name}${SOURCE_EXT}`));
  if (!file) {
    const known = (await listBundledModels()).map((m) => m.def.name).join(', ');
    throw new ModelError(
      `no bundled model named '${name}' (known: ${known}); give a file path to check your own`,
    );
  }
  const loaded = await loadModelFile(file, name);
  if (loaded.def.name !== name) {
    throw new ModelError(
      `model file ${relative(process.cwd(), file)} defines '${loaded.def.name}', but its file name says '${name}'`,
    );
  }
  return loaded;
}

/** `listBundledModels` loads every bundled model, in file order. */
export async function listBundledModels(): Promise<LoadedModel[]> {
  const out: LoadedModel[] = [];
  for (const file of bundledModelFiles()) {
    const base = file.slice(file.lastIndexOf(sep) + 1, -SOURCE_EXT.length);
    out.push(await loadModelFile(file, base));
  }
  return out;
}

/**
 * `selectVariants` resolves `model[:variant]`: no variant means all of them; an exact name picks
 * one; otherwise every variant whose name starts with `variant-` (so `buggy` picks `buggy-l4-fresh`
 * and `buggy-l5-fresh`). Each variant is a target under memory model `memoryModel`, or when none
 * is given under each of its own (`variantModels`).
 */
export function selectVariants(
  model: LoadedModel,
  variant: string | undefined,
  memoryModel?: MemoryModelName,
): Target[] {
  const all = Object.entries(model.def.variants);
  let picked = all;
  if (variant !== undefined) {
    const exact = all.filter(([n]) => n === variant);
    picked = exact.length ? exact : all.filter(([n]) => n.startsWith(`${variant}-`));
    if (picked.length === 0) {
      throw new ModelError(
        `model ${model.def.name} has no variant '${variant}' (variants: ${all.map(([n]) => n).join(', ')})`,
      );
    }
  }
  return picked.flatMap(([variantName, v]) =>
    (memoryModel ? [memoryModel] : variantModels(v)).map((mm) => ({
      model,
      variantName,
      variant: v,
      memoryModel: mm,
    })),
  );
}

/**
 * `resolveTargets` turns command-line model specs into targets, under `memoryModel` or each
 * variant's own; no spec means every bundled model.
 */
export async function resolveTargets(
  specs: readonly string[],
  memoryModel?: MemoryModelName,
): Promise<Target[]> {
  if (specs.length === 0)
    return (await listBundledModels()).flatMap((m) => selectVariants(m, undefined, memoryModel));
  const out: Target[] = [];
  for (const spec of specs) {
    const colon = spec.lastIndexOf(':');
    const hasVariant = colon > 0 && !/^[A-Za-z]:[\\/]/.test(spec) && !spec.slice(colon + 1).includes('/');
    const name = hasVariant ? spec.slice(0, colon) : spec;
    const variant = hasVariant ? spec.slice(colon + 1) : undefined;
    out.push(...selectVariants(await loadModel(name), variant, memoryModel));
  }
  return out;
}
