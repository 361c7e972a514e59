#!/usr/bin/env node
// Docker HEALTHCHECK for td-sync: exit 0 when GET /healthz on this container
// answers 200, 1 otherwise. Uses only Node (fetch), so the image needs no curl.
// The port comes from SYNC_LISTEN_ADDR like the server's (default :8080).
'use strict';

const listen = (process.env.SYNC_LISTEN_ADDR || '').trim() || ':8080';
const port = listen.slice(listen.lastIndexOf(':') + 1);
const url = `http://127.0.0.1:${port}/healthz`;

fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (response) => {
    if (!response.ok) process.stderr.write(`healthcheck: ${url} answered ${response.status}\n`);
    process.exit(response.ok ? 0 : 1);
  },
  (error) => {
    process.stderr.write(`healthcheck: ${url}: ${error.message}\n`);
    process.exit(1);
  },
);
