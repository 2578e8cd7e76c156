import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';

describe('logger', () => {
  it('writes JSON with a Cloud Logging severity and redacts content and signatures', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.warn({ eventId: 'abc', content: 'secret plaintext', sig: 'deadbeef', nested: { content: 'x' } }, 'something');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line.severity).toBe('WARNING');
    expect(line.message).toBe('something');
    expect(lines[0]).not.toContain('secret plaintext');
    expect(lines[0]).not.toContain('deadbeef');
  });
});
