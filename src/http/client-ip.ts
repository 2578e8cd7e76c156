import type { IncomingMessage } from 'node:http';

/**
 * The client IP of a request. Behind Cloud Run's front end (`trustProxy`), the last
 * X-Forwarded-For entry is the address the front end saw; earlier entries are client-supplied
 * and could be forged to dodge per-IP limits.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    const last = value?.split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
