/**
 * `TIMELINE_CSS` styles the timeline and index pages: light and dark (prefers-color-scheme),
 * printable (the side panel goes below the lanes, highlights keep their colours), no fonts or
 * images from anywhere.
 */
export const TIMELINE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #5b6370; --line: #d3d8de; --lane: #f5f7f9;
  --box: #ffffff; --box-line: #aeb6c0; --accent: #0b63c5; --bad: #c0262d; --bad-bg: #fde8e8;
  --race: #b35c00; --sel: #0b63c5; --sel-bg: #e6f0fc; --changed: #fff3c4; --code: #f0f2f4;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15181c; --fg: #e3e6ea; --muted: #99a2ad; --line: #3a414a; --lane: #1c2026;
    --box: #22272e; --box-line: #4b5561; --accent: #6cb2ff; --bad: #ff6b6b; --bad-bg: #4a1f22;
    --race: #ffad4d; --sel: #6cb2ff; --sel-bg: #1d3350; --changed: #4a4120; --code: #262b33;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
a { color: var(--accent); }
header.oops { padding: 12px 20px; border-bottom: 1px solid var(--line); }
header.oops h1 { font-size: 18px; margin: 0 0 6px; }
header.oops h1 .kind { color: var(--bad); }
header.oops pre { margin: 0; padding: 8px 12px; border-left: 4px solid var(--bad); background: var(--bad-bg);
  white-space: pre-wrap; overflow-x: auto; }
header.oops .meta { margin: 6px 0 0; color: var(--muted); }
header.oops .meta code { background: var(--code); padding: 1px 4px; border-radius: 3px; color: var(--fg); word-break: break-all; }
.layout { display: flex; align-items: flex-start; gap: 16px; padding: 12px 20px; }
.timeline { flex: 0 1 auto; overflow-x: auto; }
.lanes { position: relative; }
.lane { position: absolute; top: 0; bottom: 0; background: var(--lane); border-right: 1px solid var(--line); }
.lane-head { position: absolute; top: 0; height: 28px; line-height: 28px; text-align: center; font-weight: 600; }
.step { position: absolute; overflow: visible; background: var(--box); border: 1px solid var(--box-line);
  border-radius: 5px; padding: 2px 6px 2px 30px; cursor: pointer; outline: none; }
.step .n { position: absolute; left: 4px; top: 3px; width: 22px; text-align: right; color: var(--muted); font-size: 11px; }
.step .fn { display: block; font-weight: 600; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.step .what { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 11.5px; }
.step.violating { border: 2px solid var(--bad); background: var(--bad-bg); }
.step.violating .badge { position: absolute; right: 4px; top: -9px; background: var(--bad); color: #fff;
  border-radius: 8px; padding: 0 6px; font-size: 10.5px; line-height: 16px; }
.step.racing { border-color: var(--race); box-shadow: 0 0 0 1px var(--race); }
.step.selected { border-color: var(--sel); background: var(--sel-bg); box-shadow: 0 0 0 2px var(--sel); }
.step.violating.selected { background: var(--bad-bg); }
.step:focus-visible { box-shadow: 0 0 0 3px var(--accent); }
.step .tip { display: none; position: absolute; z-index: 5; left: 24px; top: 100%; margin-top: 2px; min-width: 220px;
  background: var(--box); border: 1px solid var(--box-line); border-radius: 4px; padding: 4px 8px;
  box-shadow: 0 2px 8px rgba(0,0,0,.25); white-space: pre; font-size: 11.5px; pointer-events: none; }
.step:hover .tip { display: block; }
svg.links { position: absolute; top: 0; left: 0; pointer-events: none; overflow: visible; }
svg.links path { fill: none; stroke: var(--race); stroke-width: 1.75; stroke-dasharray: 5 3; opacity: .8; }
svg.links path.active { stroke-width: 2.5; stroke-dasharray: none; opacity: 1; }
svg.links marker path { fill: var(--race); stroke: none; opacity: 1; stroke-dasharray: none; }
aside.panel { flex: 0 0 470px; position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow-y: auto;
  border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: var(--bg); }
aside.panel h2 { font-size: 15px; margin: 0 0 4px; }
aside.panel h3 { font-size: 13px; margin: 12px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
aside.panel ol, aside.panel ul { margin: 0; padding-left: 20px; }
aside.panel .none { color: var(--muted); font-style: italic; }
aside.panel pre { margin: 0; background: var(--code); padding: 4px 8px; border-radius: 4px; white-space: pre-wrap; }
table { border-collapse: collapse; }
table.entries { width: 100%; }
table.entries th, table.entries td { text-align: left; padding: 2px 5px; font-size: 11.5px; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.entries tr.touched td { font-weight: 600; }
table.entries tr.changed td { background: var(--changed); }
table.index { margin: 12px 20px; }
table.index th, table.index td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--line); }
table.index td.bad { color: var(--bad); font-weight: 600; }
p.hint { color: var(--muted); margin: 4px 20px; }
@media print {
  .layout { display: block; }
  aside.panel { position: static; max-height: none; margin-top: 12px; break-inside: avoid; }
  .step .tip { display: none !important; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
