// bcrypto ships no type declarations; only the part the verify backend uses is declared here.
declare module 'bcrypto/lib/schnorr.js' {
  /** BIP-340 Schnorr over secp256k1 (native binding when built, else bcrypto's own JS). */
  const schnorr: {
    /** 2 when the native binding is loaded, 0 for the JS build. */
    readonly native: number;
    verify(msg: Uint8Array, sig: Uint8Array, key: Uint8Array): boolean;
  };
  export default schnorr;
}
