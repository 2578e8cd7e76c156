import { existsSync, readFileSync } from 'node:fs';

/**
 * The nearest package.json above this module. The module sits one level deep under tsx
 * (src/version.ts) and two levels deep after `npm run build` (dist/src/version.js), so the
 * path is searched upwards instead of fixed.
 */
function findPackageJson(): URL {
  let dir = new URL('./', import.meta.url);
  for (;;) {
    const candidate = new URL('package.json', dir);
    if (existsSync(candidate)) return candidate;
    const parent = new URL('../', dir);
    if (parent.href === dir.href) throw new Error(`no package.json above ${import.meta.url}`);
    dir = parent;
  }
}

/** The relay's version, from the nearest package.json (read once at startup). */
export const VERSION: string = (JSON.parse(readFileSync(findPackageJson(), 'utf8')) as { version: string }).version;
