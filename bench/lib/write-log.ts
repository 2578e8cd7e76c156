// Reads the Firestore driver's debug log (setLogFunction): every unary or streaming call is logged as
// "Sending request: <json>", which names the documents a commit writes. Used by the write counter preloaded
// into bench relays and by the write-budget test; never by the relay itself.

/**
 * One RPC the driver sent: its type, for a commit the documents it writes and for a batchGet the
 * documents it reads (paths under `documents/`).
 */
export type LoggedRpc = { type: 'commit' | 'batchGet' | 'query' | 'aggregate' | 'listen' | 'other'; writes: string[]; reads?: string[] };

const MARKER = 'Sending request: ';

type Write = { update?: { name?: string }; delete?: string; transform?: { document?: string } };
type Request = { writes?: Write[]; documents?: string[]; structuredQuery?: unknown; structuredAggregationQuery?: unknown; addTarget?: unknown; removeTarget?: unknown };

/** The document path below `.../documents/`, e.g. `events/<id>` or `kv/mls_groups/entries/<key>`. */
export function documentPath(name: string): string {
  const at = name.indexOf('/documents/');
  return at < 0 ? name : name.slice(at + '/documents/'.length);
}

/** The RPC a driver log line announces, or undefined for other lines. */
export function parseDriverLogLine(line: string): LoggedRpc | undefined {
  const at = line.indexOf(MARKER);
  if (at < 0) return undefined;
  let req: Request;
  try {
    req = JSON.parse(line.slice(at + MARKER.length)) as Request;
  } catch {
    return { type: 'other', writes: [] };
  }
  if (req.writes) {
    const writes = req.writes.map((w) => w.update?.name ?? w.delete ?? w.transform?.document).filter((n): n is string => n !== undefined);
    return { type: 'commit', writes: writes.map(documentPath) };
  }
  if (req.documents) return { type: 'batchGet', writes: [], reads: req.documents.map(documentPath) };
  if (req.structuredQuery) return { type: 'query', writes: [] };
  if (req.structuredAggregationQuery) return { type: 'aggregate', writes: [] };
  if (req.addTarget || req.removeTarget) return { type: 'listen', writes: [] };
  return { type: 'other', writes: [] };
}

/**
 * The pattern of a written document for the write-budget table: the collection path with every
 * document id replaced by `{}`, e.g. `events/{}`, `kv/mls_groups/entries/{}`. KV collection names
 * (the document under `kv/`) are kept, since each is its own collection of entries.
 */
export function documentPattern(path: string): string {
  const parts = path.split('/');
  return parts.map((p, i) => (i % 2 === 1 && !(parts[i - 1]?.endsWith('kv') && i === 1) ? '{}' : p)).join('/');
}
