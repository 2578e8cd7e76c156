/** Global setup for the whole test run. Backends that need a service (Firestore emulator) start it here. */
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
