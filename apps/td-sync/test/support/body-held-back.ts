import { setTimeout as sleep } from 'node:timers/promises';
import { http } from './http';
import { parsePrometheusText, sampleValue } from './prometheus-text';
import { RawConnection, requestHead } from './raw-connection';

/** td_sync_request_body_bytes_in_flight on /metrics: the bytes of request bodies the server holds now. */
export async function bodyBytesInFlight(url: string): Promise<number> {
  const metrics = await http<string>(url, 'GET', '/metrics');
  return sampleValue(parsePrometheusText(metrics.text), 'td_sync_request_body_bytes_in_flight');
}

/** Polls until td_sync_request_body_bytes_in_flight reads `bytes`: the server takes a request's head in on its own time. */
export async function untilBodyBytesInFlight(url: string, bytes: number): Promise<void> {
  for (let attempt = 0; (await bodyBytesInFlight(url)) !== bytes; attempt++) {
    if (attempt === 200) throw new Error(`td_sync_request_body_bytes_in_flight never read ${bytes}`);
    await sleep(25);
  }
}

/**
 * Another request's body in flight: a push to `projectId` whose head is sent
 * and whose body of `bytes` is held back, as a slow client's is, so that its
 * Content-Length stays held in the in-flight budget until the connection is
 * destroyed. Resolves once the server holds it (nothing else in flight).
 */
export async function pushBodyHeldBack(url: string, apiKey: string, projectId: string, bytes: number): Promise<RawConnection> {
  const connection = await RawConnection.open(url);
  await connection.write(requestHead('POST', `/v1/projects/${projectId}/sync/push`, bytes, { authorization: `Bearer ${apiKey}` }));
  await untilBodyBytesInFlight(url, bytes);
  return connection;
}
