/**
 * Drives a scenario's load with autocannon: `clients` keep-alive connections,
 * each sending its next request as soon as the previous answer arrives, for
 * `seconds`. With several server nodes, connection i goes to node i mod N
 * (autocannon's own distribution over a list of URLs), so clients are spread
 * round-robin as behind a load balancer.
 *
 * Each connection is one td device: `requestsFor(i, node)` builds its own
 * request list (autocannon keeps per-request state on these objects, so no two
 * connections may share one). A request may carry `events`: how many events a
 * 2xx answer to it moves, for events/s.
 *
 * Latency is recorded here, per 2xx answer, to 0.1 ms (autocannon's own
 * histogram keeps whole milliseconds, too coarse for single-event pushes).
 */
import autocannon from 'autocannon';

export function runLoad({ urls, clients, seconds, requestsFor, signal }) {
  const latencies = [];
  const okPerNode = urls.map(() => 0);
  const nodeOf = new WeakMap();
  let events = 0;
  let connection = 0;
  let bytes = 0;

  const counted = (request) => {
    const perAnswer = request.events ?? 0;
    return {
      ...request,
      onResponse: (status) => {
        if (status >= 200 && status < 300) events += perAnswer;
      },
    };
  };

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: urls,
        connections: clients,
        duration: seconds,
        // Slow answers are latency, not errors: 1000-event pushes at 32 clients take seconds.
        timeout: 60,
        setupClient: (client) => {
          const i = connection++;
          const node = Math.max(0, urls.findIndex((u) => Number(new URL(u).port) === Number(client.opts.port)));
          nodeOf.set(client, node);
          client.setRequests(requestsFor(i, node).map(counted));
        },
      },
      (error, result) => {
        signal?.removeEventListener('abort', stop);
        if (error) return reject(error);
        resolve({
          seconds: result.duration,
          requests: result.requests.total,
          ok: result['2xx'],
          errors: result.errors + result.timeouts + result.non2xx,
          errorKinds: errorKinds(result),
          events,
          okPerNode,
          bytesPerAnswer: result['2xx'] > 0 ? bytes / result['2xx'] : NaN,
          latency: percentiles(latencies),
        });
      },
    );
    instance.on('response', (client, status, responseBytes, ms) => {
      if (status < 200 || status >= 300) return;
      latencies.push(ms);
      bytes += responseBytes;
      okPerNode[nodeOf.get(client)]++;
    });
    const stop = () => instance.stop();
    signal?.addEventListener('abort', stop);
  });
}

/** Nearest-rank percentiles of the 2xx latencies, in ms to 0.1; null when there were none. */
export function percentiles(values) {
  if (values.length === 0) return { p50: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const round = (ms) => Math.round(ms * 10) / 10;
  return { p50: round(at(50)), p99: round(at(99)), max: round(sorted[sorted.length - 1]) };
}

/** What the errors were: each non-2xx status with its count, plus timeouts and connection errors. */
function errorKinds(result) {
  const kinds = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) if (!status.startsWith('2')) kinds[status] = count;
  if (result.timeouts > 0) kinds.timeout = result.timeouts;
  if (result.errors > 0) kinds.connection = result.errors;
  return kinds;
}
