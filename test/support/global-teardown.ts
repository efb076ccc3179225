/** Jest global teardown: stops the moto_server the global setup started. */
import type { MotoServer } from './moto';

export default async function globalTeardown(): Promise<void> {
  const moto = (globalThis as any).__MOTO__ as MotoServer | undefined;
  if (moto) await moto.stop();
}
