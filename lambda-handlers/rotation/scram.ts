/**
 * PostgreSQL SCRAM-SHA-256 password verifiers (RFC 5802/7677), computed on the client as psql's
 * \password does. Sending the verifier instead of the password keeps the plaintext out of the
 * server's statement logs, pg_stat_statements and error reports.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';

/** PostgreSQL's default iteration count (scram_iterations). */
const ITERATIONS = 4096;
const SALT_BYTES = 16;

/** Generated passwords are printable ASCII; SASLprep would be the identity on them. */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  if (!PRINTABLE_ASCII.test(password)) {
    // Without SASLprep, a non-ASCII password could hash differently from what the server expects.
    throw new Error('password must be printable ASCII to be sent as a SCRAM-SHA-256 verifier');
  }
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
