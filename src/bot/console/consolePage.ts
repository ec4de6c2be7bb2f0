/**
 * The console's one HTML page: a shell the bundled script (`/console/app.js`) fills in. No inline
 * script or style, so the page's Content-Security-Policy can forbid both.
 */
export function consolePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>WeChat channel console</title>
<link rel="stylesheet" href="/console/app.css">
<script defer src="/console/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div id="app"><p class="loading">Loading the console…</p></div>
<noscript><p>The console needs JavaScript. The JSON API is at <code>/admin/v1</code>.</p></noscript>
</body>
</html>
`;
}
