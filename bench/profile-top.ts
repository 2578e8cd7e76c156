// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, heaviest first.
// Usage: npx tsx bench/profile-top.ts <file.cpuprofile> [rows, default 25] [function name: its self time by caller chain]
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const [file, rowsArg, focus] = process.argv.slice(2);
if (!file) throw new Error('usage: bench/profile-top.ts <file.cpuprofile> [rows]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const label = (n: Node): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src|extensions)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
/** Up to four callers above a node, innermost first. */
function chain(id: number): string {
  const names: string[] = [];
  for (let p = parentOf.get(id); p !== undefined && names.length < 4; p = parentOf.get(p)) names.push(label(byId.get(p)!));
  return names.join(' < ');
}
const byChain = new Map<string, number>();
const selfUs = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id)!;
  const dt = profile.timeDeltas[i] ?? 0;
  const key = label(n);
  if (focus && n.callFrame.functionName === focus) byChain.set(chain(id), (byChain.get(chain(id)) ?? 0) + dt);
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  total += dt;
});
const idle = ['(idle) :0', '(program) :0', '(garbage collector) :0'].map((k) => `${k}: ${((selfUs.get(k) ?? 0) / 1000).toFixed(0)} ms`);
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms; ${idle.join(', ')}\n`);
for (const [key, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 25))) {
  process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}\n`);
}
if (focus) {
  process.stdout.write(`\n${focus} by caller chain:\n`);
  for (const [c, us] of [...byChain].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(`${(us / 1000).toFixed(0).padStart(6)} ms  ${c}\n`);
}
