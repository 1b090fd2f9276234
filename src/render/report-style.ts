/**
 * The stylesheet of the audit report and the console: light and dark (the reader's setting), a table that turns
 * into one card per key on a narrow screen, colours with at least 4.5:1 contrast on their background, and
 * severity always said in words besides its colour.
 */
export const REPORT_CSS = `:root{color-scheme:light dark;--bg:#ffffff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--head:#f3f5f7;--card:#f8f9fa;--err:#a4161a;--warn:#7a4a00;--ok:#116329;--bar:#2f62c9;--bar2:#8a4fc7;--link:#0a4fc4;--focus:#0a4fc4}
@media (prefers-color-scheme:dark){:root{--bg:#0f1317;--fg:#e6e9ed;--muted:#a9b2bc;--line:#38414b;--head:#1a2027;--card:#161b21;--err:#ff8f86;--warn:#f5c45e;--ok:#72d88f;--bar:#79a6ff;--bar2:#c59bff;--link:#8ab8ff;--focus:#8ab8ff}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{background:var(--bg);color:var(--fg)}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:1480px;margin:0 auto;padding:16px 20px 40px}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
h1{font-size:1.55rem;margin:.2em 0 .1em}
h2{font-size:1.2rem;margin:1.4em 0 .5em}
h3{font-size:1rem;margin:1em 0 .3em}
p{margin:.4em 0}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--card);border:1px solid var(--line);border-radius:4px;padding:0 4px}
.muted{color:var(--muted)}
.banner{border:1px solid var(--line);border-left:4px solid var(--link);background:var(--card);border-radius:6px;padding:8px 12px;margin:12px 0}
.banner.error{border-left-color:var(--err)}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0;padding:0;list-style:none}
.stats li{border:1px solid var(--line);background:var(--card);border-radius:8px;padding:8px 14px;min-width:120px}
.stats b{display:block;font-size:1.35rem}
.stats .e b{color:var(--err)}
.stats .w b{color:var(--warn)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px;background:var(--card)}
figcaption{font-weight:600;margin-bottom:6px}
svg{display:block;width:100%;height:auto}
svg text{fill:var(--fg);font:12px system-ui,sans-serif}
svg .bar{fill:var(--bar)}
svg .bar2{fill:var(--bar2)}
svg .track{fill:var(--line);opacity:.45}
.kinds{border-collapse:collapse;margin:4px 0 8px;min-width:0}
.kinds th,.kinds td{text-align:left;padding:4px 10px 4px 0;border-bottom:1px solid var(--line);vertical-align:top}
.kinds td.count{text-align:right;font-variant-numeric:tabular-nums}
.controls{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end;margin:8px 0}
.controls label{display:flex;flex-direction:column;font-size:.9em;color:var(--muted)}
.controls input,.controls select,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:5px 8px}
button{cursor:pointer}
.controls input{min-width:16em}
.status{margin:4px 0}
.table-wrap{border:1px solid var(--line);border-radius:8px;overflow-x:auto}
table.keys{border-collapse:collapse;width:100%;min-width:1040px;table-layout:fixed}
table.keys th,table.keys td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
table.keys thead th{background:var(--head)}
table.keys thead button{border:0;background:none;padding:0;font-weight:700;color:var(--fg)}
table.keys thead button::after{content:" \\2195";color:var(--muted)}
table.keys th[aria-sort=ascending] button::after{content:" \\2191"}
table.keys th[aria-sort=descending] button::after{content:" \\2193"}
table.keys tbody th{font-weight:400}
table.keys .n{font-weight:600;display:block}
table.keys .d{display:block;color:var(--muted);font-size:.92em}
table.keys tr.e>th{box-shadow:inset 4px 0 var(--err)}
table.keys tr.w>th{box-shadow:inset 4px 0 var(--warn)}
table.keys td.never{font-weight:600}
col.c-name{width:17%}col.c-roles{width:9%}col.c-owner{width:9%}col.c-provider{width:7%}col.c-created{width:9%}col.c-lastUsed{width:9%}col.c-expires{width:11%}col.c-ownership{width:10%}col.c-findings{width:22%}
ul.f{margin:0;padding:0;list-style:none}
ul.f li+li{margin-top:4px}
li.e b{color:var(--err)}
li.w b{color:var(--warn)}
dl.details{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}
dl.details dt{color:var(--muted)}
dl.details dd{margin:0;overflow-wrap:anywhere}
form.inline{display:inline}
.signin{max-width:420px}
.signin label{display:block;margin:8px 0 4px}
.signin input{width:100%;font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
header.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px}
nav a{margin-right:12px}
@media (max-width:760px){
main{padding:10px}
table.keys,table.keys tbody,table.keys tr,table.keys th,table.keys td{display:block;width:auto;min-width:0}
table.keys colgroup,table.keys thead{display:none}
table.keys tbody tr{border-bottom:2px solid var(--line);padding:6px 0}
table.keys tbody th,table.keys td{border:0;padding:2px 10px}
table.keys td::before{display:inline-block;min-width:7.5em;color:var(--muted);margin-right:6px}
.controls input{min-width:0;width:100%}
.controls label{flex:1 1 100%}
}
`;
