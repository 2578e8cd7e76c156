/**
 * Makes @welshman/util 0.8.15 loadable: its Keys.js imports `@noble/curves/secp256k1` and
 * `@noble/curves/abstract/utils`, subpaths that only @noble/curves 1.x exports, while this project
 * depends on @noble/curves 2.x (which exports `./secp256k1.js` only), so a plain import fails with
 * ERR_PACKAGE_PATH_NOT_EXPORTED. @noble/curves 1.9.7 is installed as the dev alias `noble-curves-v1`.
 *
 * vitest loads node_modules through Node's own ESM loader, so a Node resolve hook (module.register)
 * redirects exactly those two bare specifiers to the v1 package. Import this module in the welshman
 * test before importing @welshman/* (dynamically); the hook lives only in that test's worker process.
 */
import { register } from 'node:module';

const hooks = `
const map = {
  '@noble/curves/secp256k1': 'noble-curves-v1/secp256k1',
  '@noble/curves/abstract/utils': 'noble-curves-v1/abstract/utils',
};
export async function resolve(specifier, context, next) {
  return next(map[specifier] ?? specifier, context);
}
`;

register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url);
