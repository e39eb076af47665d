/**
 * The report's stylesheet, inlined into every page (the policy allows it by hash). System fonts only:
 * the file must look right offline.
 */
export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #59636e; --faint: #818b98; --line: #d1d9e0; --soft: #f6f8fa; --bg: #ffffff;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5;
  --lock: #0969da; --activity: #1f883d; --paused: #8c959f; --fault: #bc4c00; --accent: #0969da; --select: #8250df;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--soft); }
body { margin: 0; color: var(--fg); font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 20px; margin: 0; font-weight: 600; }
h2 { font-size: 15px; margin: 0 0 12px; font-weight: 600; display: flex; align-items: baseline; gap: 10px; }
h2 .sub { font-weight: 400; color: var(--muted); font-size: 13px; }
h3 { font-size: 13px; margin: 14px 0 6px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
a { color: var(--accent); }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin-top: 16px; }
.banner { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.badge { display: inline-block; font-weight: 700; font-size: 12px; letter-spacing: .06em; padding: 3px 10px; border-radius: 999px; border: 1px solid transparent; }
.badge.passed { color: var(--pass); background: var(--pass-bg); border-color: #aceebb; }
.badge.violated, .badge.failed { color: var(--fail); background: var(--fail-bg); border-color: #ffcecb; }
.badge.harness-error { color: var(--warn); background: var(--warn-bg); border-color: #f5e0a0; }
.badge.small { font-size: 10.5px; padding: 1px 7px; }
.banner .title { font-size: 20px; font-weight: 600; }
.banner .meta { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px 24px; margin: 14px 0 0; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: 12px; }
.facts dd { margin: 2px 0 0; font-weight: 500; overflow-wrap: anywhere; }
.command { display: flex; align-items: stretch; gap: 0; margin-top: 14px; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: var(--soft); }
.command code { flex: 1; padding: 8px 12px; white-space: pre-wrap; word-break: break-all; }
.command .label { padding: 8px 10px; color: var(--muted); border-right: 1px solid var(--line); font-size: 12px; align-self: center; }
button { font: inherit; font-size: 12.5px; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; cursor: pointer; }
button:hover { background: var(--soft); border-color: #afb8c1; }
.command button { border: 0; border-left: 1px solid var(--line); border-radius: 0; padding: 0 14px; }
.copied { color: var(--pass); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; background: var(--soft); }
td.mono { white-space: nowrap; }
.table-scroll { max-height: 480px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.table-scroll table th { position: sticky; top: 0; z-index: 1; }
.more { margin-top: 8px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--faint); font-style: italic; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.invariant { display: flex; gap: 10px; align-items: baseline; padding: 7px 0; border-bottom: 1px solid #eaeef2; }
.invariant:last-child { border-bottom: 0; }
.invariant .icon { font-weight: 700; width: 16px; text-align: center; }
.invariant.passed .icon { color: var(--pass); }
.invariant.failed .icon { color: var(--fail); }
.invariant .name { font-family: var(--mono); font-weight: 600; }
.invariant .desc { color: var(--muted); }
.invariant .count { margin-left: auto; color: var(--fail); white-space: nowrap; font-size: 12px; }
.violations { list-style: none; margin: 0 0 6px 26px; padding: 0; }
.violations li { margin: 3px 0; }
.violation { display: flex; gap: 10px; width: 100%; text-align: left; border-color: #ffcecb; background: #fff6f5; }
.violation:hover { background: var(--fail-bg); border-color: #ff8182; }
.violation .when { font-family: var(--mono); color: var(--fail); white-space: nowrap; }
.violation .who { font-family: var(--mono); color: var(--muted); white-space: nowrap; }
.violation.static { cursor: default; border: 1px solid #ffcecb; border-radius: 6px; padding: 4px 10px; font-size: 12.5px; }
.error-box { border: 1px solid #f5e0a0; background: var(--warn-bg); border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; }
.toolbar { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 10px; }
.toolbar .spacer { flex: 1; }
.toolbar .range { font-family: var(--mono); font-size: 12px; color: var(--muted); background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
.toolbar .hint { color: var(--faint); font-size: 12px; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); margin-top: 8px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 14px; height: 9px; border-radius: 2px; }
.legend i.lock { background: var(--lock); } .legend i.activity { background: var(--activity); } .legend i.paused { background: var(--paused); }
.legend i.alive { background: #eaeef2; border: 1px solid var(--line); } .legend i.fault { background: var(--fault); transform: rotate(45deg) scale(.7); width: 10px; height: 10px; }
.legend i.crash { background: var(--fail); width: 10px; height: 10px; border-radius: 50%; } .legend i.violation { background: var(--fail); width: 3px; height: 12px; }
.timeline-wrap { position: relative; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: var(--bg); user-select: none; }
.timeline-wrap svg { display: block; cursor: grab; }
.timeline-wrap svg.dragging { cursor: grabbing; }
svg text { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 11px; fill: var(--fg); }
svg .lane-label { font-family: var(--mono); font-size: 11.5px; }
svg .lane-label.ended { fill: var(--muted); }
svg .group-label { font-size: 10.5px; font-weight: 700; fill: var(--muted); letter-spacing: .06em; }
svg .tick-label { fill: var(--muted); font-size: 10.5px; font-family: var(--mono); }
svg .tick { stroke: #eaeef2; }
svg .lane-bg { fill: #fbfcfd; }
svg .lane-bg.odd { fill: #f6f8fa; }
svg .divider { stroke: var(--line); }
svg .alive { fill: #e6eaef; }
svg .span { cursor: pointer; }
svg .span.lock { fill: var(--lock); }
svg .span.activity { fill: var(--activity); }
svg .span.paused { fill: var(--paused); opacity: .55; }
svg .span.cut { opacity: .6; }
svg .span.dense { opacity: .55; }
svg .span-label { fill: #fff; font-size: 10px; pointer-events: none; }
svg .span-label.small { font-size: 8px; font-weight: 600; }
svg .span-label.dark { fill: #fff; font-weight: 600; }
svg .seg { cursor: pointer; fill: var(--lock); }
svg .seg.lost { fill: #bf8700; }
svg .seg.crashed { fill: #a0436d; }
svg .seg.orphaned { fill: #d8b9ff; }
svg .seg.overlap { fill: var(--fail); }
svg .mark { cursor: pointer; }
svg .mark.start, svg .mark.restart { fill: var(--activity); }
svg .mark.exit { fill: var(--muted); }
svg .mark.crash, svg .mark.error { fill: var(--fail); }
svg .mark.fault { fill: var(--fault); }
svg .mark.lock-lost, svg .mark.lock-error { fill: #bf8700; }
svg .mark.lock-timeout { fill: #c4ccd5; }
svg .mark.skew { fill: var(--select); }
svg .violation-line { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .violation-flag { fill: var(--fail); cursor: pointer; }
svg .cursor-line { stroke: var(--select); stroke-width: 1.5; }
.log-head, .log-row { display: grid; grid-template-columns: 64px 132px 120px 190px 1fr; gap: 10px; padding: 0 10px; align-items: center; }
.log-head { font-size: 12px; font-weight: 600; color: var(--muted); background: var(--soft); border: 1px solid var(--line); border-bottom: 0; border-radius: 6px 6px 0 0; height: 28px; }
.log-viewport { position: relative; height: 440px; overflow-y: auto; border: 1px solid var(--line); border-radius: 0 0 6px 6px; background: var(--bg); }
.log-spacer { position: relative; }
.log-row { position: absolute; left: 0; right: 0; height: 22px; font-family: var(--mono); font-size: 12px; border-bottom: 1px solid #f0f2f4; cursor: pointer; white-space: nowrap; }
.log-row > span { overflow: hidden; text-overflow: ellipsis; }
.log-row:hover { background: #f3f6fa; }
.log-row .seq, .log-row .t { color: var(--muted); font-variant-numeric: tabular-nums; }
.log-row .kind.k-fault { color: var(--fault); font-weight: 600; }
.log-row .kind.k-process { color: var(--select); }
.log-row .kind.k-lock { color: var(--lock); }
.log-row .data { color: #424a53; }
.log-row.violating { background: var(--fail-bg); box-shadow: inset 3px 0 0 var(--fail); }
.log-row.selected { background: #ede4ff; box-shadow: inset 3px 0 0 var(--select); }
select, input[type="search"] { font: inherit; font-size: 12.5px; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
input[type="search"] { width: 220px; }
label.check { display: inline-flex; align-items: center; gap: 5px; color: var(--muted); font-size: 12.5px; }
.count { color: var(--muted); font-size: 12px; }
tr.clickable { cursor: pointer; }
tr.clickable:hover td { background: #f3f6fa; }
.state { white-space: nowrap; font-size: 11px; font-weight: 700; padding: 1px 7px; border-radius: 999px; }
.state.committed { color: var(--pass); background: var(--pass-bg); }
.state.duplicate, .state.pending { color: var(--fail); background: var(--fail-bg); }
.pill { white-space: nowrap; display: inline-block; font-family: var(--mono); font-size: 11.5px; background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; margin: 1px 4px 1px 0; }
.bar { display: inline-block; height: 8px; border-radius: 2px; background: var(--accent); vertical-align: middle; }
.bar.fail { background: var(--fail); }
.failure { border-left: 3px solid var(--fail); }
.failure .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.failure .head .seed { font-weight: 600; font-size: 15px; }
.failure .message { margin: 6px 0 0; }
.failure .head .spacer { flex: 1; }
.shrink-note { color: var(--muted); font-size: 12.5px; }
footer { margin-top: 24px; color: var(--faint); font-size: 12px; text-align: center; }
`;
