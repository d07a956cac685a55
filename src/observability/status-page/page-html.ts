// The live status page served at / by the metrics server: one self-contained HTML document (inline CSS, a small
// hand-written script, charts as inline SVG polylines), shipped as a string in the package so that nothing is
// fetched from outside at run time and no build step copies assets. It polls ./status.json (the shape of
// `status --json`, or `status --plan --json` for a plan, whose tasks name their source and every destination)
// and ./history.json every 2 s. A direction of a two-way pair is headed by its sides and tables and shows its
// conflict log's count and latest conflicts (the task's `twoWay` in /status.json). Every value from the
// lease tables reaches the DOM through textContent or setAttribute, never as HTML.

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ddb-replicator status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2630; background: #f7f8fa; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; }
  h2 { font-size: 1.15em; margin: 1.4em 0 .3em; }
  .meta { color: #5a6570; }
  .bad { color: #b3261e; }
  .ok { color: #1a7f37; }
  table { border-collapse: collapse; background: #fff; margin: .4em 0 1em; }
  th, td { border: 1px solid #d5dae0; padding: .3em .6em; text-align: left; vertical-align: middle; }
  th { background: #eef1f4; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.mono { font-family: ui-monospace, monospace; font-size: 12px; max-width: 18em; overflow-wrap: anywhere; }
  .legend span { margin-right: 1em; }
  .lagline { stroke: #d9480f; color: #d9480f; }
  .rateline { stroke: #1971c2; color: #1971c2; }
  svg.chart { background: #fbfcfd; border: 1px solid #e3e7eb; }
  svg.chart polyline { fill: none; stroke-width: 1.5; }
  progress { width: 20em; }
  table.conflicts caption { text-align: left; color: #5a6570; padding-bottom: .2em; }
  .conflict-count { margin: .2em 0; }
</style>
</head>
<body>
<h1>ddb-replicator status</h1>
<div class="meta"><span id="conn">connecting…</span> · <span id="updated"></span></div>
<p class="meta legend">Charts, last minutes: <span class="lagline">━ lag (ms)</span><span class="rateline">━ items written/s (shards this worker holds)</span></p>
<div id="tasks"></div>
<h2>Workers</h2>
<div id="workers"></div>
<script>
'use strict';
const POLL_MS = 2000;
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c === undefined || c === null ? '' : String(c)));
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}
function ms(value) {
  if (typeof value !== 'number') return '-';
  if (value < 1000) return Math.round(value) + ' ms';
  const s = value / 1000;
  if (s < 120) return s.toFixed(1) + ' s';
  const m = s / 60;
  return m < 120 ? m.toFixed(1) + ' min' : (m / 60).toFixed(1) + ' h';
}
function num(value) { return typeof value === 'number' ? Math.round(value).toLocaleString('en') : '-'; }
function chart(samples) {
  const w = 240, h = 44;
  const box = svg('svg', { class: 'chart', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h });
  if (!samples || samples.length === 0) return box;
  const t0 = samples[0].at, t1 = samples[samples.length - 1].at;
  const span = Math.max(1, t1 - t0);
  for (const [key, cls] of [['lagMs', 'lagline'], ['itemsPerSec', 'rateline']]) {
    const values = samples.map((s) => s[key]).filter((v) => typeof v === 'number');
    const max = Math.max(1, ...values);
    // A gap (null) ends a polyline: an unknown value is not drawn as zero.
    let points = [];
    const flush = () => {
      if (points.length > 0) box.append(svg('polyline', { class: cls, points: points.join(' ') }));
      points = [];
    };
    for (const s of samples) {
      if (typeof s[key] !== 'number') { flush(); continue; }
      const x = samples.length === 1 ? w : ((s.at - t0) / span) * (w - 2) + 1;
      const y = h - 2 - (s[key] / max) * (h - 4);
      points.push(x.toFixed(1) + ',' + y.toFixed(1));
      if (samples.length === 1) points.push('0,' + y.toFixed(1));
    }
    flush();
    const title = svg('title');
    title.textContent = 'max lag ' + ms(Math.max(0, ...samples.map((s) => s.lagMs ?? 0))) + ', max ' + num(Math.max(0, ...samples.map((s) => s.itemsPerSec ?? 0))) + ' items/s';
    box.append(title);
  }
  return box;
}
// Spool mode (issue 20): the phase, the changes spooled so far and the drain's progress, as status prints them.
function spoolText(copy) {
  const spool = copy.spool;
  if (!spool) return undefined;
  const size = spool.spoolKeys === undefined || spool.spoolKeys === null ? num(spool.spooledChanges) + ' changes spooled' : num(spool.spoolKeys) + ' keys in the spool';
  if (spool.phase === 'draining') {
    return 'spool: draining, pass ' + (spool.pass || 1) + ', segments ' + spool.segmentsDone + '/' + spool.segments + ', ' + num(spool.drained) + ' items written; ' + size;
  }
  return 'spool: ' + spool.phase + '; ' + size;
}
function copyBlock(copy) {
  const pct = copy.estimatedItems > 0 ? Math.min(100, (100 * copy.itemsCopied) / copy.estimatedItems) : undefined;
  return el('p', { class: 'copy' },
    'Bootstrap copy (' + copy.state + '): ', num(copy.itemsCopied), ' of ~', num(copy.estimatedItems), ' items',
    pct === undefined ? '' : ' (' + pct.toFixed(1) + ' %) ',
    pct === undefined ? '' : el('progress', { max: 100, value: pct.toFixed(1) }),
    ', segments ' + copy.segmentsDone + '/' + copy.segments,
    ', ' + (typeof copy.itemsPerSec === 'number' ? num(copy.itemsPerSec) + ' items/s' : 'rate unknown'),
    typeof copy.etaMs === 'number' ? ', ETA ' + ms(copy.etaMs) : '',
    spoolText(copy) ? ' · ' + spoolText(copy) : '');
}
// A task's heading; a two-way direction is named by its sides and tables, as status --two-way names it.
function taskHeading(task) {
  if (task.twoWay && task.twoWay.direction) return 'Two-way ' + task.twoWay.direction;
  return 'Task ' + task.taskName + (task.label && task.label !== task.taskName ? ' — ' + task.label : '');
}
// A two-way direction's conflicts: the count line (status --two-way's), when it was read if not just now, and a
// row per latest conflict (conflicts list's words).
function conflictsView(twoWay) {
  const c = twoWay.conflicts;
  const age = typeof twoWay.conflictsAgeMs === 'number' && twoWay.conflictsAgeMs >= 10000 ? ', read ' + ms(twoWay.conflictsAgeMs) + ' ago' : '';
  const line = c ? c.text + age : 'conflicts: not read yet';
  const rows = (c && c.latest ? c.latest : []).map((r) => [r.at, r.key, r.table, r.loser, r.winner]);
  const caption = rows.length === 0 ? undefined : (rows.length === c.count ? 'All ' + rows.length : 'Latest ' + rows.length + ' of ' + num(c.count)) + ', newest first';
  return { line: line, error: twoWay.conflictsError ? 'conflict log: ' + twoWay.conflictsError : undefined, caption: caption, rows: rows };
}
function conflictsBlock(twoWay) {
  const view = conflictsView(twoWay);
  const block = el('div', { class: 'conflicts' }, el('p', { class: 'conflict-count' }, view.line));
  if (view.error) block.append(el('p', { class: 'bad' }, view.error));
  if (view.rows.length === 0) return block;
  const table = el('table', { class: 'conflicts' },
    el('caption', {}, view.caption),
    el('tr', {}, ...['Recorded', 'Key', 'Lost on table', 'Lost', 'Won'].map((h) => el('th', {}, h))));
  for (const row of view.rows) {
    table.append(el('tr', { class: 'conflict' }, ...row.map((cell, i) => el('td', i === 1 ? { class: 'mono' } : {}, cell))));
  }
  block.append(table);
  return block;
}
function taskSection(task, history) {
  const section = el('section', { 'data-task': task.taskName });
  section.append(el('h2', {}, taskHeading(task)));
  // A two-way direction's heading names its tables without regions: the task (and a plan's entry, which says
  // which pair; replicate --two-way's label is the direction itself) goes on the line that gives them.
  const named = task.twoWay ? 'task ' + task.taskName + (task.label && task.label !== task.twoWay.direction ? ' — ' + task.label : '') : undefined;
  const about = [named, task.tables].filter(Boolean).join(' · ');
  if (about) section.append(el('p', { class: 'meta tables' }, about));
  const fleet = task.fleet;
  const state = task.state || (fleet ? (fleet.shards.length === 0 ? 'starting' : 'running') : 'not started');
  section.append(el('p', { class: 'meta' }, 'state: ' + state, task.leaseTable ? ' · lease table ' + task.leaseTable : ''));
  if (task.error) section.append(el('p', { class: 'bad error' }, 'error: ' + task.error));
  if (!fleet) {
    if (task.twoWay) section.append(conflictsBlock(task.twoWay));
    return section;
  }
  if (fleet.copy) section.append(copyBlock(fleet.copy));
  for (const f of fleet.failures || []) {
    section.append(el('p', { class: 'bad failure' }, 'failed on ' + f.workerId + ' ' + ms(f.sinceMs) + ' ago: ' + f.error));
  }
  const table = el('table', { class: 'shards' },
    el('tr', {}, el('th', {}, 'Shard'), el('th', {}, 'State'), el('th', {}, 'Owner'), el('th', {}, 'Lag (ms)'), el('th', {}, 'Lag and items/s'), el('th', {}, 'Checkpoint')));
  for (const s of fleet.shards) {
    const samples = (history && history[s.shardId]) || [];
    const owner = s.owner ? s.owner + (s.pendingOwner ? ' → ' + s.pendingOwner : '') : '-';
    table.append(el('tr', { 'data-shard': s.shardId },
      el('td', { class: 'mono' }, s.shardId),
      el('td', { class: s.state === 'expired' || s.state === 'unowned' ? 'bad' : '' }, s.state),
      el('td', {}, owner),
      el('td', { class: 'num lag', title: ms(s.behindMs) }, typeof s.behindMs === 'number' ? num(s.behindMs) : '-'),
      el('td', { class: 'chartcell' }, chart(samples)),
      el('td', { class: 'mono' }, s.checkpoint)));
  }
  section.append(fleet.shards.length === 0 ? el('p', { class: 'meta' }, 'no shards yet') : table);
  if (task.twoWay) section.append(conflictsBlock(task.twoWay));
  return section;
}
function workersTable(workers) {
  if (!workers || workers.length === 0) return el('p', { class: 'meta' }, 'no live worker');
  const table = el('table', { class: 'workers' },
    el('tr', {}, el('th', {}, 'Worker'), el('th', {}, 'Leases'), el('th', {}, 'Heartbeat age')));
  for (const w of workers) {
    const perTask = w.tasks ? ' (' + Object.entries(w.tasks).map(([t, n]) => t + ': ' + n).join(', ') + ')' : '';
    table.append(el('tr', { 'data-worker': w.workerId },
      el('td', {}, w.workerId),
      el('td', { class: 'num' }, String(w.leases) + perTask),
      el('td', { class: 'num' }, typeof w.sinceHeartbeatMs === 'number' ? ms(w.sinceHeartbeatMs) : '-')));
  }
  return table;
}
function tableText(t) {
  return t ? t.region + '/' + t.table : '?';
}
// Every destination of a task: the first, then a fan-out's further ones.
function tablesText(t) {
  if (!t.source || !t.destination) return undefined;
  return tableText(t.source) + ' → ' + [t.destination].concat(t.fanOut || []).map(tableText).join(', ');
}
// The tasks to show, from status --plan --json (a plan, replicate --two-way) or status --json (one task).
function pageTasks(status) {
  return Array.isArray(status.tasks)
    ? status.tasks.map((t) => ({ taskName: t.taskName, label: t.entry, state: t.state, error: t.error, fleet: t.fleet, leaseTable: t.leaseTable && t.leaseTable.table, tables: tablesText(t), twoWay: t.twoWay }))
    : [{ taskName: status.taskName, error: status.error, leaseTable: status.leaseTable, fleet: status.shards ? status : undefined }];
}
function render(status, history) {
  const tasks = pageTasks(status);
  const byTask = (history && history.tasks) || {};
  document.getElementById('tasks').replaceChildren(...tasks.map((t) => taskSection(t, byTask[t.taskName])));
  document.getElementById('workers').replaceChildren(workersTable(status.workers));
}
async function poll() {
  try {
    const [status, history] = await Promise.all(['status.json', 'history.json'].map(async (path) => {
      const res = await fetch(path, { cache: 'no-store' });
      if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
      return res.json();
    }));
    render(status, history);
    const conn = document.getElementById('conn');
    conn.textContent = 'live';
    conn.className = 'ok';
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    const conn = document.getElementById('conn');
    conn.textContent = 'not updating: ' + (err && err.message ? err.message : String(err));
    conn.className = 'bad';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}
poll();
</script>
</body>
</html>
`;
