import { Logger } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { ConnectionGovernor } from './connection-governor';

/** A real HTTP server whose /hold requests stay open until released, governed to `max` connections. */
async function governedServer(max: number) {
  const held: ServerResponse[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/hold') return void held.push(response);
    response.end('ok');
  });
  const governor = new ConnectionGovernor(max);
  governor.attach(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, governor, port, held };
}

interface Client {
  socket: Socket;
  closed: Promise<void>;
  received: () => string;
}

async function open(port: number): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((done) => socket.on('close', () => done()));
  await new Promise<void>((done) => socket.once('connect', () => done()));
  return { socket, closed, received: () => data };
}

/** Resolves once `condition` holds, checked after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((done) => setImmediate(done));
}

describe('ConnectionGovernor', () => {
  let context: Awaited<ReturnType<typeof governedServer>>;
  const clients: Client[] = [];

  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    for (const response of context.held.splice(0)) response.end();
    context.server.closeAllConnections();
    await new Promise((done) => context.server.close(done));
    jest.restoreAllMocks();
  });

  const track = async (port: number) => {
    const client = await open(port);
    clients.push(client);
    return client;
  };

  it('closes the longest-idle connection to make room for a new one at the cap', async () => {
    context = await governedServer(3);
    const [first, second, third] = [await track(context.port), await track(context.port), await track(context.port)];
    await until(() => context.governor.openConnections === 3);
    const fourth = await track(context.port);
    await first.closed;
    expect(context.governor.openConnections).toBe(3);
    // The newcomer is served; the others are untouched.
    fourth.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => fourth.received().includes('ok'));
    expect(second.socket.destroyed || third.socket.destroyed).toBe(false);
  });

  it('counts idleness from a keep-alive connection\'s last response, not from when it connected', async () => {
    context = await governedServer(2);
    const older = await track(context.port);
    const silent = await track(context.port);
    await until(() => context.governor.openConnections === 2);
    // The older connection is used; the silent one has been idle longer since.
    older.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => older.received().includes('ok'));
    await track(context.port);
    await silent.closed;
    expect(older.socket.destroyed).toBe(false);
  });

  it('never closes a connection with a request in progress; with every connection busy, a new one is refused', async () => {
    context = await governedServer(2);
    const busy = [await track(context.port), await track(context.port)];
    for (const client of busy) client.socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => context.held.length === 2);
    const refused = await track(context.port);
    await refused.closed;
    expect(busy.every((client) => !client.socket.destroyed)).toBe(true);

    // Once one finishes it is idle, and the next newcomer takes its place.
    context.held[0].end('done');
    await until(() => busy[0].received().includes('done'));
    const next = await track(context.port);
    await busy[0].closed;
    next.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => next.received().includes('ok'));
    expect(busy[1].socket.destroyed).toBe(false);
  });

  it('logs one warn line for a burst of closures, naming the limit', async () => {
    context = await governedServer(1);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    for (let i = 0; i < 5; i++) await track(context.port);
    await until(() => clients.slice(0, 4).every((client) => client.socket.destroyed));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][1]).toMatch(/connection limit of 1 reached/);
  });
});
