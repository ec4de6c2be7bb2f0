/** The console's calls to its own server: a bearer token from sessionStorage, never in a URL. */
const TOKEN_KEY = 'wecom-console-token';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return { ...(t ? { authorization: `Bearer ${t}` } : {}), ...extra };
}

async function problem(res: Response): Promise<ApiError> {
  const body = await res.json().catch(() => ({})) as { error?: { code?: string; message?: string } };
  return new ApiError(res.status, body.error?.code ?? `http_${res.status}`, body.error?.message ?? `${res.status} ${res.statusText}`);
}

export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers({ ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await problem(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** Sends a file the way WeCom's media/upload takes one (multipart, a part named `media`). */
export async function upload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append('media', file, file.name);
  const res = await fetch(path, { method: 'POST', headers: headers(), body: form });
  if (!res.ok) throw await problem(res);
  return await res.json() as T;
}

/** Bytes behind the bearer, as an object URL an <img> or a download link can use. */
export async function blobUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await problem(res);
  return URL.createObjectURL(await res.blob());
}

/** Text behind the bearer (an HTML snippet, say), as the server sent it. */
export async function fetchText(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await problem(res);
  return res.text();
}

/**
 * Follows `/console/events` (Server-Sent Events read with fetch, so the token travels as a header,
 * which EventSource cannot send). Reconnects after a drop; `onChange` runs for each event.
 */
export function followEvents(onChange: (kinds: string[]) => void, onStatus: (live: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  const run = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch('/console/events', { headers: headers(), signal: controller.signal });
        if (!res.ok || !res.body) throw await problem(res);
        onStatus(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
            if (data) onChange((JSON.parse(data) as { kinds?: string[] }).kinds ?? []);
          }
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return;
      }
      onStatus(false);
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
