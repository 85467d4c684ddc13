/** The web client's style sheet (see `index_html.ts` for why assets are modules). */

/** `/app.css`. */
export const APP_CSS = String.raw`
:root { color-scheme: light dark; --accent: #2563eb; --bad: #b91c1c; --muted: #6b7280; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: Canvas; padding: 4px 8px; z-index: 10; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 8px 16px; border-bottom: 1px solid #8884; }
.brand { font-weight: 700; }
#quota { color: var(--muted); }
#quota.over { color: var(--bad); font-weight: 600; }
.actions { margin-left: auto; display: flex; gap: 8px; flex-wrap: wrap; }
main { padding: 12px 16px; max-width: 1100px; margin: 0 auto; }
button, .button { font: inherit; padding: 6px 12px; border: 1px solid #8886; border-radius: 6px; background: ButtonFace; color: ButtonText; cursor: pointer; display: inline-block; }
button:focus-visible, .button:focus-within, a:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
#picker:focus-visible + * { outline: none; }
.toolbar { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0; }
form label { display: block; margin: 8px 0; }
form.inline { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
form.inline label { margin: 0; }
label.check { display: flex; gap: 4px; align-items: center; }
input { font: inherit; padding: 6px 8px; border: 1px solid #8886; border-radius: 6px; max-width: 100%; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 16px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #8883; vertical-align: middle; }
th .sort { border: 0; background: none; padding: 0; font-weight: 600; }
th .sort[aria-sort]::after { content: attr(data-arrow); }
.num { text-align: right; white-space: nowrap; }
.date { white-space: nowrap; }
td.row-actions { white-space: nowrap; text-align: right; }
td.row-actions button { padding: 2px 8px; font-size: 0.9em; }
.dir { font-weight: 600; }
a.entry, button.entry { color: var(--accent); background: none; border: 0; padding: 0; text-decoration: underline; cursor: pointer; font: inherit; text-align: left; }
#crumbs { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
#crumbs button { border: 0; background: none; color: var(--accent); text-decoration: underline; padding: 2px; }
#crumbs span.sep { color: var(--muted); }
#drop { border: 2px dashed transparent; border-radius: 8px; padding: 4px; }
#drop.over { border-color: var(--accent); background: #2563eb14; }
.hint { color: var(--muted); font-size: 0.9em; }
#uploads { list-style: none; padding: 0; }
#uploads li { display: grid; grid-template-columns: minmax(0, 1fr) 180px; gap: 4px 12px; padding: 4px 0; }
#uploads progress { width: 100%; }
#uploads .status { grid-column: 1 / -1; font-size: 0.9em; color: var(--muted); }
#uploads li.failed .status { color: var(--bad); font-weight: 600; }
#message { min-height: 1.5em; margin-top: 8px; }
#message.error { color: var(--bad); font-weight: 600; }
dialog { border: 1px solid #8886; border-radius: 8px; max-width: min(480px, 95vw); }
.dialog-buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 12px; }
@media (max-width: 640px) {
  .date { display: none; }
  header { padding: 8px; }
  main { padding: 8px; }
  #uploads li { grid-template-columns: 1fr; }
}
`;
