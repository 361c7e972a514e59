import { createServer, type Server, type Socket } from 'node:net';
import { fetchAsTd } from './fetch-as-td';

/** A server whose first connection is closed as soon as a request arrives on it; later ones answer 200. */
async function closingOnce(): Promise<{ server: Server; url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    const first = ++connections === 1;
    socket.once('data', () => {
      if (first) return void socket.destroy();
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/`, connections: () => connections };
}

describe('fetchAsTd', () => {
  it('sends a GET again on a new connection when the first was closed before an answer', async () => {
    const { server, url, connections } = await closingOnce();
    try {
      const response = await fetchAsTd(url);
      expect(await response.text()).toBe('ok');
      expect(connections()).toBe(2);
    } finally {
      server.close();
    }
  });

  it('does not send a POST twice: its failure is the caller’s', async () => {
    const { server, url, connections } = await closingOnce();
    try {
      await expect(fetchAsTd(url, { method: 'POST', body: '{}' })).rejects.toMatchObject({ name: 'TypeError' });
      expect(connections()).toBe(1);
    } finally {
      server.close();
    }
  });
});
