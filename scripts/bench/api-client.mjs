/** The few API calls that set a scenario up, made the way a td client makes them. */
import { pushBody } from './payloads.mjs';

export async function call(url, method, path, { body, apiKey, form } = {}) {
  const headers = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let payload;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(url + path, { method, headers, body: payload });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
  return text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

/** The typed-code device login, as every td release can do it (SYNC_CODE_LOGIN=direct). */
export async function login(url, email) {
  const start = await call(url, 'POST', '/v1/auth/login/start', { body: { email } });
  await call(url, 'POST', '/auth/verify', { form: { user_code: start.user_code } });
  const done = await call(url, 'POST', '/v1/auth/login/poll', { body: { device_code: start.device_code } });
  if (!done?.api_key) throw new Error(`the login did not complete (poll answered ${JSON.stringify(done).slice(0, 120)}): does the server honour SYNC_CODE_LOGIN=direct?`);
  return done.api_key;
}

export const createProject = (url, apiKey, name) => call(url, 'POST', '/v1/projects', { apiKey, body: { name } }).then((p) => p.id);

/** Creates `count` projects, a few requests at a time; `onProgress(done)` now and then. */
export async function createProjects(url, apiKey, prefix, count, onProgress = () => {}) {
  const ids = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      ids[i] = await createProject(url, apiKey, `${prefix}-${i}`);
      if ((i + 1) % 500 === 0) onProgress(i + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
  return ids;
}

/** Pushes `total` events to a project in batches of 1000 from one device. */
export async function seedEvents(url, apiKey, projectId, total) {
  for (let pushed = 0; pushed < total; pushed += 1000) {
    await call(url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey, body: pushBody('bench-seed', Math.min(1000, total - pushed)) });
  }
}

/** The server's own request counter (GET /metricz): how many requests this node answered. */
export async function answeredRequests(url) {
  const metrics = await call(url, 'GET', '/metricz');
  return metrics.requests;
}
