/**
 * Replays the Dockerfile's build without a Docker engine: every stage gets its own directory that
 * stands for its filesystem root, COPY and RUN act inside it, and the last stage's ENV, USER,
 * WORKDIR, HEALTHCHECK and CMD are returned so the caller can start the "image" the way Docker would.
 *
 * It understands only the forms our Dockerfile uses, and refuses anything else, so a new kind of
 * step cannot slip past the smoke test unreplayed:
 *   RUN  parts joined by `&&`: `npm …` (run), `apt-get …`, `rm -rf /var/lib/apt/lists/*` and
 *        `npm cache clean` (skipped: the host's toolchain and npm cache stand in; cleaning would empty
 *        the machine's shared cache), `mkdir -p /abs`, `chown user:group /abs`.
 *   COPY [--from=stage] src… dest, from the build context filtered by .dockerignore.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

/** A parsed Dockerfile instruction: keyword in upper case, the rest of the (joined) line. */
export type Instruction = { keyword: string; args: string; line: number };

/** What the final stage of a replayed build looks like, enough to start it. */
export type ReplayedImage = {
  /** Directory standing for the final stage's `/`. */
  root: string;
  /** Absolute path (on this machine) of the final WORKDIR. */
  workdir: string;
  env: Record<string, string>;
  /** USER of the final stage, as uid/gid (undefined: root). */
  user?: { name: string; uid: number; gid: number };
  cmd: string[];
  healthcheck?: string[];
  /** Steps that were skipped because the host stands in for them (apt-get), for the report. */
  skipped: string[];
};

// The official node images create `node` as uid/gid 1000.
const KNOWN_USERS: Record<string, { uid: number; gid: number }> = { node: { uid: 1000, gid: 1000 }, root: { uid: 0, gid: 0 } };

/** Splits a Dockerfile into instructions, joining `\` continuations and dropping comments. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse ${JSON.stringify(full)}`);
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
  });
  return out;
}

/** Patterns of a .dockerignore in the forms we use: `*`, `!name`, `!dir/`, `**\/*.ext`, `**\/name`. */
export function dockerignoreFilter(text: string): (relPath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/\/$/, '');
      let test: (p: string) => boolean;
      if (pattern === '*') test = () => true;
      else if (pattern.startsWith('**/*.')) test = (p) => p.endsWith(pattern.slice(4));
      else if (pattern.startsWith('**/')) test = (p) => basename(p) === pattern.slice(3);
      else if (!/[*?[]/.test(pattern)) test = (p) => p === pattern || p.startsWith(`${pattern}/`);
      else throw new Error(`.dockerignore pattern ${JSON.stringify(l)} is not one image-smoke understands`);
      return { negate, test };
    });
  // Last matching rule wins, as in Docker.
  return (relPath) => {
    let included = true;
    for (const r of rules) if (r.test(relPath)) included = r.negate;
    return included;
  };
}

function splitWords(args: string): string[] {
  return args.split(/\s+/).filter((w) => w !== '');
}

function parseJsonArray(args: string, where: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new Error(`${where}: expected exec form ["…"]`);
  return value as string[];
}

/** Parses `K=V K2="v 2"` (ENV and ARG forms). */
function parseAssignments(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}

type Stage = { name: string; root: string; workdir: string; env: Record<string, string>; user?: ReplayedImage['user'] };

/** Options of replayDockerfile. */
export type ReplayOptions = {
  /** The build context (the repository). */
  context: string;
  /** Where the stage directories are made. */
  outDir: string;
  /** Environment for RUN steps (npm needs PATH, HOME and the proxy settings of this machine). */
  runEnv: NodeJS.ProcessEnv;
  log?: (line: string) => void;
};

class Replayer {
  private readonly stages = new Map<string, Stage>();
  private stage: Stage | undefined;
  private readonly isIgnored: (p: string) => boolean;
  readonly skipped: string[] = [];
  cmd: string[] = [];
  healthcheck: string[] | undefined;

  constructor(private readonly opts: ReplayOptions) {
    const ignore = join(opts.context, '.dockerignore');
    const included = existsSync(ignore) ? dockerignoreFilter(readFileSync(ignore, 'utf8')) : () => true;
    this.isIgnored = (p) => !included(p);
  }

  private get current(): Stage {
    if (!this.stage) throw new Error('instruction before FROM');
    return this.stage;
  }

  /** Maps an absolute path inside the current (or a named) stage to this machine. */
  private inStage(path: string, stage = this.current): string {
    return path.startsWith('/') ? join(stage.root, path) : resolve(stage.workdir, path);
  }

  apply(ins: Instruction): void {
    const where = `Dockerfile line ${ins.line}`;
    switch (ins.keyword) {
      case 'ARG':
        return; // only the base image name, which the host's Node stands in for
      case 'FROM': {
        const m = /^\S+\s+AS\s+(\S+)$/i.exec(ins.args);
        if (!m) throw new Error(`${where}: every stage must be named (FROM image AS name)`);
        const root = join(this.opts.outDir, m[1]!);
        mkdirSync(root, { recursive: true });
        chmodSync(root, 0o755);
        this.stage = { name: m[1]!, root, workdir: root, env: {} };
        this.stages.set(m[1]!, this.stage);
        return;
      }
      case 'WORKDIR':
        this.current.workdir = this.inStage(ins.args);
        mkdirSync(this.current.workdir, { recursive: true });
        return;
      case 'ENV':
        Object.assign(this.current.env, parseAssignments(ins.args));
        return;
      case 'COPY':
        return this.copy(ins.args, where);
      case 'RUN':
        return this.run(ins.args, where);
      case 'USER': {
        const [name, group] = ins.args.split(':');
        const known = KNOWN_USERS[name!];
        if (!known) throw new Error(`${where}: unknown user ${name}`);
        this.current.user = { name: name!, uid: known.uid, gid: group ? KNOWN_USERS[group]!.gid : known.gid };
        return;
      }
      case 'HEALTHCHECK': {
        const m = /\bCMD\s+(\[[\s\S]*\])$/.exec(ins.args);
        if (!m) throw new Error(`${where}: HEALTHCHECK must use CMD in exec form`);
        this.healthcheck = parseJsonArray(m[1]!, where);
        return;
      }
      case 'CMD':
        this.cmd = parseJsonArray(ins.args, where);
        return;
      case 'EXPOSE':
      case 'LABEL':
        return;
      default:
        throw new Error(`${where}: image-smoke cannot replay ${ins.keyword}`);
    }
  }

  private copy(args: string, where: string): void {
    const words = splitWords(args);
    let from: Stage | undefined;
    while (words[0]?.startsWith('--')) {
      const flag = words.shift()!;
      if (flag.startsWith('--from=')) from = this.stages.get(flag.slice(7));
      else if (!flag.startsWith('--chown=')) throw new Error(`${where}: COPY flag ${flag} not understood`);
      if (flag.startsWith('--from=') && !from) throw new Error(`${where}: no stage ${flag.slice(7)}`);
    }
    const dest = words.pop();
    if (!dest || words.length === 0) throw new Error(`${where}: COPY needs sources and a destination`);
    const target = this.inStage(dest);
    const intoDir = dest.endsWith('/') || words.length > 1;
    for (const src of words) {
      const source = from ? this.inStage(src, from) : join(this.opts.context, src);
      if (!from && this.isIgnored(relative(this.opts.context, source))) {
        throw new Error(`${where}: ${src} is excluded by .dockerignore, so docker build would not see it`);
      }
      if (!existsSync(source)) throw new Error(`${where}: ${src} does not exist`);
      const to = intoDir && !statSync(source).isDirectory() ? join(target, basename(source)) : target;
      mkdirSync(dirname(to), { recursive: true });
      cpSync(source, to, {
        recursive: true,
        // Docker keeps symlinks as they are (node_modules/.bin); Node would rewrite them to absolute paths.
        verbatimSymlinks: true,
        filter: (p) => from !== undefined || !this.isIgnored(relative(this.opts.context, p)),
      });
    }
  }

  private run(args: string, where: string): void {
    for (const part of args.split('&&').map((p) => p.trim())) {
      const words = splitWords(part);
      const [cmd, ...rest] = words;
      // npm cache clean would empty this machine's cache (shared by every npm here), not a stage's:
      // it only trims the image, so it is recorded and skipped like apt-get.
      if (cmd === 'apt-get' || part === 'rm -rf /var/lib/apt/lists/*' || part.startsWith('npm cache clean')) {
        this.skipped.push(part);
      } else if (cmd === 'npm') {
        this.opts.log?.(`[${this.current.name}] ${part}`);
        execFileSync('npm', rest, {
          cwd: this.current.workdir,
          env: { ...this.opts.runEnv, ...this.current.env },
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        });
      } else if (cmd === 'mkdir' && rest[0] === '-p' && rest.slice(1).every((p) => p.startsWith('/'))) {
        for (const p of rest.slice(1)) mkdirSync(this.inStage(p), { recursive: true });
      } else if (cmd === 'chown' && rest.length === 2 && rest[1]!.startsWith('/')) {
        const [user, group = user] = rest[0]!.split(':');
        const ids = KNOWN_USERS[user!];
        if (!ids || !KNOWN_USERS[group!]) throw new Error(`${where}: unknown owner ${rest[0]}`);
        // Only root may give files away; as another user the step is recorded instead.
        if (process.getuid?.() === 0) chownSync(this.inStage(rest[1]!), ids.uid, KNOWN_USERS[group!]!.gid);
        else this.skipped.push(part);
      } else {
        throw new Error(`${where}: image-smoke cannot replay RUN ${JSON.stringify(part)}`);
      }
    }
  }

  result(): ReplayedImage {
    const last = this.current;
    return {
      root: last.root,
      workdir: last.workdir,
      env: last.env,
      ...(last.user ? { user: last.user } : {}),
      cmd: this.cmd,
      ...(this.healthcheck ? { healthcheck: this.healthcheck } : {}),
      skipped: this.skipped,
    };
  }
}

/** Replays every instruction of `<context>/Dockerfile`; returns the final stage. Throws on any step it cannot replay. */
export function replayDockerfile(opts: ReplayOptions): ReplayedImage {
  const replayer = new Replayer(opts);
  for (const ins of parseDockerfile(readFileSync(join(opts.context, 'Dockerfile'), 'utf8'))) replayer.apply(ins);
  return replayer.result();
}
