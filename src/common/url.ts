/** Ends with `/`; a bare host (`http://proxy:9000`) gets WeCom's `/cgi-bin/` path. */
export function normaliseApiBaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/cgi-bin/';
  const text = parsed.toString();
  return text.endsWith('/') ? text : `${text}/`;
}
