/** A parsed `SYNC_LISTEN_ADDR`: Go's `host:port` syntax, where an empty host means every interface. */
export interface ListenAddress {
  /** undefined means every interface. */
  host: string | undefined;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}
