import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TlbMode } from '../arch/tlb.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import type { AllocMode } from '../machine/physical-memory.js';
import { type ModelDefinition, modelProblem, type Variant, variantModels } from './define.js';
import { PACKAGE_EXPORTS, registerModelHooks } from './module-hooks.js';
import { nonDefaultParams, ParamError, type ParamValues, resolveParams } from './params.js';
import {
  MEMORY_MODEL_SETTING,
  NOTHING_REQUESTED,
  type Requested,
  settingsOf,
  type TargetRef,
} from './settings.js';

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

/**
 * `tokenTarget` is how a replay token names a target: its model (`tokenModel`), its variant, and
 * its settings: the model file's, those that size it (parameters, allocator) and the memory
 * model when it is not sc.
 */
export function tokenTarget(t: Target): { model: string; variant: string; settings: Record<string, string> } {
  const m = tokenModel(t.model);
  const settings: Record<string, string> = { ...m.settings, ...t.settings };
  if (t.memoryModel !== 'sc') settings[MEMORY_MODEL_SETTING] = t.memoryModel;
  return { model: m.model, variant: t.variantName, settings };
}

/** `Target` is one variant of one model at one size under one memory model, ready to check. */
export interface Target {
  model: LoadedModel;
  variantName: string;
  variant: Variant;
  /** the parameter values the variant is built with */
  params: ParamValues;
  /** how the frame allocator chooses */
  alloc: AllocMode;
  /** whether hardware walks use the per-CPU translation caches (`--tlb`) */
  tlb: TlbMode;
  /** what a token records to rebuild this target's machine: size, allocator, caches (src/model/settings.ts) */
  settings: Readonly<Record<string, string>>;
  memoryModel: MemoryModelName;
}

/** `targetRef` names a target for a token, a unit of work or a CPU worker. */
export function targetRef(t: Target): TargetRef {
  return { model: t.model.ref, variant: t.variantName, settings: t.settings, memoryModel: t.memoryModel };
}

/** `targetLabel` names a target in tables and progress: `model:variant`, `@tso` when not under sc. */
export function targetLabel(t: { model: string; variant: string; memoryModel: MemoryModelName }): string {
  return `${t.model}:${t.variant}${t.memoryModel === 'sc' ? '' : `@${t.memoryModel}`}`;
}

const here = dirname(fileURLToPath(import.meta.url));
/** `MODELS_DIR` is the bundled models: `models/` from source, `dist/models/` when compiled. */
export const MODELS_DIR = resolve(here, '..', '..', 'models');
const SOURCE_EXT = extname(fileURLToPath(import.meta.url)) === '.ts' ? '.ts' : '.js';
/** `PACKAGE_JSON` is pagerace's own package.json (src/model/ from source, dist/src/model/ built). */
const PACKAGE_JSON = resolve(here, SOURCE_EXT === '.ts' ? '../..' : '../../..', 'package.json');

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

let hooksRegistered = false;
let tsxRegistered = false;

/** `MODULE_FILE` is what a model, helper or strategy file may be named. */
const MODULE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

async function importFile(file: string): Promise<unknown> {
  if (!hooksRegistered) {
    hooksRegistered = true;
    registerModelHooks(import.meta.url, SOURCE_EXT === '.ts');
  }
  // from source tsx is already there (the checker itself runs through it); the built checker
  // registers it at the first TypeScript file, whatever JavaScript files it imported before
  if (!tsxRegistered && SOURCE_EXT === '.js' && /\.[mc]?ts$/.test(file)) {
    tsxRegistered = true;
    const { register } = await import('tsx/esm/api');
    register();
    registerModelHooks(import.meta.url, false, true);
  }
  return import(pathToFileURL(file).href);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n').find((l) => l.trim() !== '') ?? msg;
}

/** why an import failed, when it is a missing pagerace export: one line naming what exists */
function missingExport(e: unknown): string | null {
  const msg = firstLine(e);
  const code = (e as { code?: string }).code;
  const named = /The requested module '([^']+)' does not provide an export named '([^']+)'/.exec(msg);
  if (named) return `imports '${named[2]}' from '${named[1]}', which does not export it`;
  if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' && msg.includes(PACKAGE_JSON)) {
    const sub = /subpath '\.\/([^']+)'/.exec(msg)?.[1];
    return `imports 'pagerace/${sub ?? '?'}', which pagerace does not export (it exports ${PACKAGE_EXPORTS.join(', ')})`;
  }
  return null;
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
 * `importModuleFile` imports a user's file (a model, a strategy), TypeScript through tsx, from
 * anywhere on disk; a file that does not parse, imports what pagerace does not export, or fails
 * to load is a ModelError naming `what` it is.
 */
export async function importModuleFile(file: string, what: string): Promise<unknown> {
  try {
    return await importFile(file);
  } catch (e) {
    const missing = missingExport(e);
    if (missing) throw new ModelError(`${what} ${missing}`);
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
  return spec.includes('/') || spec.includes(sep) || MODULE_FILE.test(spec);
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
 * and `buggy-l5-fresh`). Each is sized by the requested parameters this model declares (others
 * are left to the models that declare them), given the requested allocator, else its own, and is
 * a target under memory model `memoryModel`, or when none is given under each of its own
 * (`variantModels`).
 */
export function selectVariants(
  model: LoadedModel,
  variant: string | undefined,
  requested: Requested = NOTHING_REQUESTED,
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
  const specs = model.def.params ?? {};
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries(requested.params)) if (k in specs) given[k] = v;
  return picked.flatMap(([variantName, v]) => {
    const overrides = v.params as
      | Record<string, { default?: number; min?: number; max?: number }>
      | undefined;
    let params: ParamValues;
    try {
      params = resolveParams(`${model.def.name}:${variantName}`, specs, overrides, given);
    } catch (e) {
      if (e instanceof ParamError) throw new ModelError(e.message);
      throw e;
    }
    const alloc = requested.alloc ?? v.alloc ?? model.def.alloc ?? 'lowest';
    const tlb = requested.tlb ?? 'on';
    const settings = settingsOf(nonDefaultParams(specs, overrides, params), alloc, tlb);
    return (memoryModel ? [memoryModel] : variantModels(v)).map((mm) => ({
      model,
      variantName,
      variant: v,
      params,
      alloc,
      tlb,
      settings,
      memoryModel: mm,
    }));
  });
}

/**
 * `resolveTargets` turns command-line model specs into targets, under `memoryModel` or each
 * variant's own; no spec means every bundled model. A requested parameter must be declared by at
 * least one selected model.
 */
export async function resolveTargets(
  specs: readonly string[],
  requested: Requested = NOTHING_REQUESTED,
  memoryModel?: MemoryModelName,
): Promise<Target[]> {
  const models: [LoadedModel, string | undefined][] = [];
  if (specs.length === 0) for (const m of await listBundledModels()) models.push([m, undefined]);
  for (const spec of specs) {
    const colon = spec.lastIndexOf(':');
    const hasVariant = colon > 0 && !/^[A-Za-z]:[\\/]/.test(spec) && !spec.slice(colon + 1).includes('/');
    const name = hasVariant ? spec.slice(0, colon) : spec;
    const variant = hasVariant ? spec.slice(colon + 1) : undefined;
    models.push([await loadModel(name), variant]);
  }
  for (const p of Object.keys(requested.params)) {
    if (models.some(([m]) => p in (m.def.params ?? {}))) continue;
    const names = [...new Set(models.map(([m]) => m.def.name))];
    const known = [...new Set(models.flatMap(([m]) => Object.keys(m.def.params ?? {})))];
    throw new ModelError(
      `--param ${p}: ${names.length === 1 ? `model ${names[0]} has` : 'none of the selected models has'} no parameter '${p}' (${known.length ? `parameters: ${known.join(', ')}` : 'no parameters at all'})`,
    );
  }
  return models.flatMap(([m, variant]) => selectVariants(m, variant, requested, memoryModel));
}
