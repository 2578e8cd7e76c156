// CPU accounting for side-by-side runs: the machine's busy time (/proc/stat), a process's or thread's own time
// (/proc/<pid>/stat), and the load generator's own time, so a relay's CPU can be counted over all its threads.
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** Seconds the machine's cores spent busy (everything but idle and iowait) since boot, summed over cores. */
export function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** CPU seconds (user + system) of a process, all threads; or of one thread with `tid`. */
export function procCpuSeconds(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") ": utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/**
 * The process `pid` and its descendants (a relay started with `[server] workers = N` is a cluster
 * primary and N worker processes), from the parent pids in /proc; processes that exit meanwhile are skipped.
 */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

function sumOver(pids: number[], seconds: (pid: number) => number): number {
  let sum = 0;
  for (const p of pids) {
    try {
      sum += seconds(p);
    } catch {
      // exited between the listing and the read
    }
  }
  return sum;
}

/** CPU seconds of a relay: its process and its descendants (a cluster's workers), all threads. */
export function relayCpuSeconds(pid: number): number {
  return sumOver(processTree(pid), (p) => procCpuSeconds(p));
}

/** CPU seconds of a relay's main threads (its event loops: one per process of a cluster). */
export function relayMainThreadsCpuSeconds(pid: number): number {
  return sumOver(processTree(pid), (p) => procCpuSeconds(p, p));
}

/** CPU seconds of this process (the load generator, its worker threads included). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * A window of CPU accounting: call `end()` after the load to get the seconds each part used. The
 * relay's figures cover its descendants too (a cluster's workers); `relayMainTid` equal to the pid
 * counts every process's main thread.
 */
export function cpuWindow(relayPid?: number, relayMainTid?: number): () => { machine: number; generator: number; relay?: number; relayMain?: number } {
  const main = (pid: number, tid: number): number => (tid === pid ? relayMainThreadsCpuSeconds(pid) : procCpuSeconds(pid, tid));
  const m0 = machineBusySeconds();
  const g0 = selfCpuSeconds();
  const r0 = relayPid === undefined ? 0 : relayCpuSeconds(relayPid);
  const t0 = relayPid === undefined || relayMainTid === undefined ? 0 : main(relayPid, relayMainTid);
  return () => ({
    machine: machineBusySeconds() - m0,
    generator: selfCpuSeconds() - g0,
    ...(relayPid === undefined ? {} : { relay: relayCpuSeconds(relayPid) - r0 }),
    ...(relayPid === undefined || relayMainTid === undefined ? {} : { relayMain: main(relayPid, relayMainTid) - t0 }),
  });
}
