/**
 * Affinity's bodies are not uniform: JSON objects, bare JSON arrays
 * (`["There exists a contact with this email address."]`), and plain-text or HTML pages from
 * proxies. These helpers accept all of them without throwing.
 */

/**
 * Parses a body: JSON (object, array or scalar) when the content type says so or the text looks
 * like JSON; otherwise the text itself. An empty body is `null`; invalid JSON falls back to text.
 */
export function parseErrorBody(text: string, contentType: string | null): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const saysJson = contentType !== null && /[/+]json\b/i.test(contentType);
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  if (saysJson || looksJson) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Visible text of an HTML or plain-text body, collapsed to one line and shortened. */
export function summarizeText(text: string, max = 200): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1];
  const visible = (title ?? text)
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return visible.length > max ? `${visible.slice(0, max - 1)}…` : visible;
}

/**
 * Human messages carried by an error body: every string of a bare array, the `message`/`error`/
 * `errors` members of an object (strings, arrays or nested objects), or the text itself.
 */
export function extractMessages(body: unknown): string[] {
  if (body === null || body === undefined) return [];
  if (typeof body === 'string') {
    const s = summarizeText(body);
    return s === '' ? [] : [s];
  }
  if (Array.isArray(body)) return body.flatMap((item) => messagesOf(item));
  if (typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const found: string[] = [];
    for (const key of ['message', 'error', 'errors', 'detail', 'details']) {
      if (key in record) found.push(...messagesOf(record[key]));
    }
    return found.length > 0 ? found : [JSON.stringify(body)];
  }
  return [String(body)];
}

function messagesOf(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((v) => messagesOf(v));
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.message === 'string') return [record.message];
    // `{field: ["is invalid"]}` → `field: is invalid`
    return Object.entries(record).flatMap(([k, v]) => messagesOf(v).map((m) => `${k}: ${m}`));
  }
  return [];
}
