/** Seeded mutations of valid client frames, for the fuzz test. */

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_CHARS = ['"', '\\', '[', ']', '{', '}', ',', ':', '0', '-', 'e', '\u0000', '\uffff', '\ud800', '🔥', ' ', 'n', 'A'];
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', [], {}, [[]], ['e'], 'A'.repeat(64), 2 ** 53 + 1];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)] as T;
}

/** Text-level mutation: flip, insert, delete or duplicate a run of characters, or truncate. */
function mutateText(rnd: () => number, text: string): string {
  const at = Math.floor(rnd() * text.length);
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << Math.floor(rnd() * 7))) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + pick(rnd, ODD_CHARS) + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 8));
    case 3: {
      const len = 1 + Math.floor(rnd() * 20);
      return text.slice(0, at + len) + text.slice(at, at + len) + text.slice(at + len);
    }
    default:
      return text.slice(0, at);
  }
}

/** All paths to values inside a JSON value. */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key] as Json, root);
  (parent as Record<string | number, Json>)[path[path.length - 1] as string | number] = value;
  return root;
}

/** Structure-level mutation: swap a value's type, or duplicate an object field in the text. */
function mutateStructure(rnd: () => number, text: string): string {
  const root = JSON.parse(text) as Json;
  if (rnd() < 0.25) {
    // A duplicated key: JSON.parse keeps the last one, so the copy carries a different value.
    const m = /"(id|pubkey|kind|created_at|content|tags|sig|limit|kinds|authors)":/.exec(text);
    if (m) return text.replace(m[0], `${m[0]}${JSON.stringify(pick(rnd, ODD_VALUES))},${m[0]}`);
  }
  const target = pick(rnd, paths(root).slice(1));
  return JSON.stringify(setAt(root, target, pick(rnd, ODD_VALUES) as Json));
}

/** One mutated frame: 1–3 mutations of text or structure applied to a valid frame. */
export function mutateFrame(rnd: () => number, frame: string): string {
  let out = frame;
  const rounds = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < rounds; i++) {
    try {
      out = rnd() < 0.5 ? mutateText(rnd, out) : mutateStructure(rnd, out);
    } catch {
      out = mutateText(rnd, out);
    }
  }
  return out;
}
