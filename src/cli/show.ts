import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { replayToken } from '../explore/replay-token.js';
import { buildProgram } from '../model/target.js';
import { writeAtomic } from '../report/atomic.js';
import { timelinePage } from '../report/html/layout.js';
import { timelineData } from '../report/html/timeline-data.js';
import { writeTimelines } from '../report/html/write-html.js';
import type { Report } from '../report/json.js';
import { makeRunDir } from '../report/write.js';
import { stallLimit } from './check.js';
import { ExitCode, UsageError } from './errors.js';
import { openInBrowser } from './open-browser.js';

/** `ShowFlags` are the options of `pagerace show`. */
export interface ShowFlags {
  open?: boolean;
  out: string;
  /** the model file a token was made from */
  model?: string;
}

/** the timelines of a run folder: its index.html (written from report.json if missing) and pages */
function runPages(dir: string): { index: string; pages: string[] } {
  const file = join(dir, 'report.json');
  if (!existsSync(file))
    throw new UsageError(`${dir} has no report.json: give a run folder (results/<run>/) or a replay token`);
  let report: Report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch (e) {
    throw new UsageError(`${file} is not a pagerace report: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(report?.results)) throw new UsageError(`${file} is not a pagerace report: no results`);
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return writeTimelines(dir, `pagerace run ${basename(dir)}`, report.results);
  const pages = readdirSync(dir)
    .filter((f) => /^\d+-.*\.html$/.test(f))
    .sort()
    .map((f) => join(dir, f));
  return { index, pages };
}

/** the page of a replayed token, written to a new folder under `out` */
async function tokenPage(token: string, out: string, model: string | undefined): Promise<string> {
  const { target, trace, violation, preemptions } = await replayToken(token, {
    model,
    stallMs: stallLimit(),
  });
  const r = {
    model: target.model.def.name,
    variant: target.variantName,
    expectKind: target.variant.expect === 'clean' ? null : target.variant.expect.violation,
    commits: target.variant.commits ?? {},
    memoryModel: target.memoryModel,
    settings: target.settings,
    kernel: buildProgram(target).kernel === true,
  };
  const v = violation;
  const page = timelinePage(
    timelineData(r, {
      kind: v?.kind ?? 'no violation',
      message: v?.message ?? 'the execution ran clean',
      cpu: v?.cpu ?? -1,
      task: v && v.cpu >= 0 ? (trace.filter((s) => s.cpu === v.cpu).at(-1)?.task ?? '') : '',
      headline: v
        ? v.headline.length
          ? [...v.headline]
          : [`${v.kind}: ${v.message}`]
        : ['No violation: the execution ran clean.'],
      kernelStack: v ? [...v.kernelStack] : [],
      token,
      preemptions,
      trace,
      count: 1,
      firstExecution: 0,
    }),
  );
  const dir = makeRunDir(out, `show-${r.model}:${r.variant}`);
  const file = join(dir, 'timeline.html');
  writeAtomic(file, page);
  return file;
}

/**
 * `runShow` is `pagerace show RUN-DIR|TOKEN`: the HTML timelines of a run folder (written from
 * its report.json when the folder has none), or of a replay token (replayed inline, its page
 * written to a new folder under --out). Prints the files; with --open, opens the page (or the
 * run's index) in a browser when there is one, without waiting for it.
 */
export async function runShow(what: string, flags: ShowFlags): Promise<number> {
  let open: string;
  if (existsSync(what) && statSync(what).isDirectory()) {
    const { index, pages } = runPages(what);
    console.log(`Index: ${index}`);
    for (const p of pages) console.log(`Timeline: ${p}`);
    open = pages.length === 1 ? pages[0] : index;
  } else if (/^v\d+\./.test(what)) {
    open = await tokenPage(what, flags.out, flags.model);
    console.log(`Timeline: ${open}`);
  } else {
    throw new UsageError(`${what} is neither a run folder nor a replay token (v1.…)`);
  }
  if (flags.open) {
    const why = await openInBrowser(open);
    if (why) console.error(`pagerace: ${why}`);
  }
  return ExitCode.Ok;
}
