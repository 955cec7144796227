/** The report's HTML document: one file, styles, data and scripts inlined, nothing fetched. */
import { escapeHtml, jsonForScript, scriptText } from './escape.js';
import { reportAssets } from './assets.js';

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
body { margin: 0 24px 40px; background: #fff; }
h1 { font-size: 20px; margin: 18px 0 6px; } h2 { font-size: 16px; margin: 26px 0 8px; }
.verdict { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.fig { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; min-width: 120px; }
.fig b { display: block; font-size: 11px; color: #57606a; font-weight: 600; text-transform: uppercase; }
.fig span { font-size: 16px; }
.status-optimal { background: #dafbe1; } .status-feasible { background: #fff8c5; }
.status-infeasible, .status-unknown { background: #ffebe9; }
ul.proof, ul.notes { margin: 4px 0; padding-left: 20px; font-size: 13px; }
.legend { font-size: 12px; display: flex; gap: 14px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
.scroll { overflow: auto; max-height: 75vh; border: 1px solid #d0d7de; border-radius: 6px; }
svg text { font-size: 11px; fill: #1f2328; } svg text.host { text-anchor: end; }
svg text.tick, svg text.wave-label { font-size: 10px; fill: #57606a; }
svg .stripe, svg .wave, svg .grid, svg text { pointer-events: none; }
svg .stripe { fill: #f6f8fa; } svg .grid { stroke: #d0d7de; stroke-width: 0.5; }
svg .wave.odd { fill: #0969da; fill-opacity: 0.07; } svg .wave.even { fill: #8250df; fill-opacity: 0.05; }
path.m { fill: var(--c, #6e7781); stroke: #fff; stroke-width: 0.6; }
path.m:hover, path.m.hl { stroke: #000; stroke-width: 1.5; }
.a-direct, i.a-direct { --c: #2f6fbf; background: #2f6fbf; } .a-parking, i.a-parking { --c: #e0802b; background: #e0802b; }
.a-return, i.a-return { --c: #3a9a4a; background: #3a9a4a; } .a-cold, i.a-cold { --c: #7d4fc4; background: #7d4fc4; }
.a-shelve, i.a-shelve { --c: #8a8f98; background: #8a8f98; }
#tip { position: fixed; z-index: 10; background: #fff; border: 1px solid #57606a; border-radius: 4px; padding: 6px 8px;
  font-size: 12px; box-shadow: 0 2px 8px rgba(0,0,0,.2); pointer-events: none; max-width: 420px; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
.chart { height: 300px; border: 1px solid #d0d7de; border-radius: 6px; }
.muted { color: #57606a; font-size: 12px; }
`;

/** A complete document around `body` (already escaped markup) with `data` for the client script. */
export function htmlDocument(title: string, body: string, data: unknown): string {
  const { echarts, client } = reportAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<div id="tip" role="tooltip" hidden></div>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${scriptText(echarts)}</script>
<script type="module">${scriptText(client)}</script>
</body>
</html>
`;
}
