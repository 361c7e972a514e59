import { fetchAsTd } from '@td-sync/testing';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  apiKey?: string;
  headers?: Record<string, string>;
}

/** One HTTP request to a test server, with the body decoded. */
export async function http<T = any>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const response = await fetchAsTd(baseUrl + path, { method, headers, body });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  return { status: response.status, headers: response.headers, body: (isJson && text ? JSON.parse(text) : text) as T, text };
}

/** Asserts the PROTOCOL.md error body: nested and top-level code/message, equal. */
export function expectError(result: HttpResult, status: number, code: string): void {
  expect({ status: result.status, code: (result.body as { code?: string }).code }).toEqual({ status, code });
  const body = result.body as { error: { code: string; message: string }; code: string; message: string };
  expect(body.error).toEqual({ code: body.code, message: body.message });
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
}
