import { spawnSync } from 'node:child_process';
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
  /** how workers on this machine load it again: the bundled name, or the file's absolute path */
  ref: string;
  file: string;
  /** one of the bundled models (else a model file the user named) */
  bundled: boolean;
}

/** `MODEL_FILE_SETTING` is the token setting that names a model file (scheduler/token.ts). */
export const MODEL_FILE_SETTING = 'model-file';

/**
 * `tokenModel` is how a replay token names a model: a bundled one by name; a model file by the
 * name it defines and, in the `model-file` setting, its path relative to the working directory
 * (never this machine's absolute path), so that the token replays on a colleague's clone with
 * `replay --model FILE`.
 */
export function tokenModel(model: LoadedModel): { model: string; settings?: Record<string, string> } {
  if (model.bundled) return { model: model.ref };
  const rel = relative(process.cwd(), model.file) || model.file;
  return { model: model.def.name, settings: { [MODEL_FILE_SETTING]: rel.split(sep).join('/') } };
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
 * `syntaxErrorOf` reads where and why a model or strategy file failed to parse, as `line:column: reason`
 * (both from 1). A .ts file goes through tsx, whose esbuild says `file:line:col: ERROR: reason`
 * (columns from 0). A JavaScript file's SyntaxError carries no position, so `node --check` is
 * asked for it (it prints `file:line`, the line, and a caret under the column). Null when `e` is
 * not a syntax error.
 */
export function syntaxErrorOf(e: unknown, file: string): string | null {
  const text = e instanceof Error ? e.message : String(e);
  const esbuild = /^.*:(\d+):(\d+): ERROR: (.*)$/m.exec(text);
  if (esbuild && /Transform failed/.test(text))
    return `${esbuild[1]}:${Number(esbuild[2]) + 1}: ${esbuild[3]}`;
  if (!(e instanceof SyntaxError)) return null;
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  const lines = (check.stderr ?? '').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${file}:`));
  const line = at >= 0 ? /:(\d+)$/.exec(lines[at])?.[1] : undefined;
  const caret = at >= 0 ? (lines[at + 2] ?? '').indexOf('^') : -1;
  if (line === undefined) return `?: ${e.message}`;
  return `${line}:${caret >= 0 ? caret + 1 : '?'}: ${e.message}`;
}

/**
 * `importModuleFile` imports a user's file (a model, a strategy), `.ts` through tsx; a file that
 * does not parse or fails to load is a ModelError naming `what` it is.
 */
export async function importModuleFile(file: string, what: string): Promise<unknown> {
  try {
    return await importFile(file);
  } catch (e) {
    const syntax = syntaxErrorOf(e, file);
    const shown = relative(process.cwd(), file) || file;
    if (syntax) throw new ModelError(`${what} has a syntax error at ${shown}:${syntax}`);
    throw new ModelError(`${what} failed to load: ${firstLine(e)}`);
  }
}

/** `loadModelFile` imports a model file and checks that it default-exports a model. */
export async function loadModelFile(file: string, ref: string, bundled: boolean): Promise<LoadedModel> {
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
  return { def: def as ModelDefinition, ref, file, bundled };
}

/** `looksLikePath` says whether a command-line reference names a file rather than a bundled name. */
export function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.includes(sep) || /\.(ts|js|mjs)$/.test(spec);
}

/** `loadModelPath` loads the model file at `path` (absolute or relative to the working directory). */
export async function loadModelPath(path: string): Promise<LoadedModel> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ModelError(`model file ${path} does not exist`);
  return loadModelFile(file, file, false);
}

/**
 * `loadModel` finds a model by bundled name (`lost-update`) or by file path
 * (`./my-model.ts`, absolute or relative to the working directory).
 */
export async function loadModel(name: string): Promise<LoadedModel> {
  if (looksLikePath(name)) return loadModelPath(name);
  const file = bundledModelFiles().find((f) => f.endsWith(`${sep}${name}${SOURCE_EXT}`));
  if (!file) {
    const known = (await listBundledModels()).map((m) => m.def.name).join(', ');
    throw new ModelError(
      `no bundled model named '${name}' (known: ${known}); give a file path to check your own`,
    );
  }
  const loaded = await loadModelFile(file, name, true);
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
    out.push(await loadModelFile(file, base, true));
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
