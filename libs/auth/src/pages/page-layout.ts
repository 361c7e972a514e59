import { html, SafeHtml } from '../html';

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #f6f8fa; --card: #ffffff; --border: #d0d7de;
  --accent: #0b57d0; --accent-fg: #ffffff; --ok: #1a7f37; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --card: #161b22; --border: #30363d;
  --accent: #4c8dff; --accent-fg: #0d1117; --ok: #3fb950; --bad: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1.5rem;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { width: 100%; max-width: 28rem; background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: 2rem; }
h1 { font-size: 1.375rem; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: 0.9375rem; }
label { display: block; font-weight: 600; margin-bottom: 0.375rem; }
input[type=text] { width: 100%; padding: 0.625rem 0.75rem; font: 600 1.5rem/1.2 ui-monospace, SFMono-Regular, Menlo, monospace;
  letter-spacing: 0.2em; text-transform: uppercase; color: var(--fg); background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
button { margin-top: 1rem; width: 100%; padding: 0.75rem; font: inherit; font-weight: 600; color: var(--accent-fg);
  background: var(--accent); border: 0; border-radius: 8px; cursor: pointer; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.notice { padding: 0.75rem 1rem; border-radius: 8px; border: 1px solid currentColor; margin-bottom: 1rem; }
.error { color: var(--bad); }
.success { color: var(--ok); }
button.secondary { margin-top: 0.5rem; color: var(--fg); background: transparent; border: 1px solid var(--border); }
footer { margin-top: 1.5rem; color: var(--muted); font-size: 0.875rem; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 1rem; margin: 0 0 1rem; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
`;

/**
 * The shell every auth page shares: one card, system fonts, light and dark, no
 * scripts. `serverHost`, when given, is named at the foot of the card, so a
 * person can check which server they are signing in to.
 */
export function renderPage(title: string, content: SafeHtml, serverHost?: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · td-sync</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${content}
${serverHost ? html`<footer>td-sync server <strong>${serverHost}</strong></footer>` : ''}
</main>
</body>
</html>
`.value;
}
