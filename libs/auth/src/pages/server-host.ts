/** The host (and port, if any) of the server's public URL: what a person checks against the address td printed. */
export function serverHostOf(baseUrl: string): string {
  return new URL(baseUrl).host;
}
