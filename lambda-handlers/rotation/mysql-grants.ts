/**
 * Rewrites the output of SHOW GRANTS for one account into statements that give the same
 * privileges to another account. Pure text handling, no driver.
 */

/** Quotes a MySQL identifier with backticks, doubling any backtick inside. */
export function quoteMysqlIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** The two ways SHOW GRANTS writes an account: `user`@`host` (MySQL 8, MariaDB) or 'user'@'host'. */
function accountSpellings(user: string, host: string): string[] {
  const quoteString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    `${quoteMysqlIdentifier(user)}@${quoteMysqlIdentifier(host)}`,
    `${quoteString(user)}@${quoteString(host)}`,
  ];
}

/**
 * Authentication clauses that SHOW GRANTS adds to the USAGE line on MariaDB and MySQL 5.7 (the
 * base user's password hash): the clone keeps its own password, so they are dropped.
 */
const AUTHENTICATION_CLAUSE = / IDENTIFIED (?:BY PASSWORD '(?:[^'\\]|\\.)*'|VIA .*?(?= WITH |$)|WITH .*?(?= WITH |$))/;

/**
 * @returns one GRANT statement per line of `showGrants`, with the grantee replaced by the clone.
 * @throws when a line does not name `baseUser` as its grantee (an output format this code does not
 *   know); the message does not quote the line, which can hold a password hash.
 */
export function grantsForClone(showGrants: readonly string[], baseUser: string, cloneUser: string, host: string): string[] {
  const [cloneAccount] = accountSpellings(cloneUser, host);
  return showGrants.map((line, index) => {
    if (!line.startsWith('GRANT ')) {
      throw new Error(`SHOW GRANTS line ${index + 1} for '${baseUser}'@'${host}' is not a GRANT statement`);
    }
    for (const account of accountSpellings(baseUser, host)) {
      const grantee = ` TO ${account}`;
      const at = line.lastIndexOf(grantee);
      if (at < 0) continue;
      const rest = line.slice(at + grantee.length).replace(AUTHENTICATION_CLAUSE, '');
      return `${line.slice(0, at)} TO ${cloneAccount}${rest}`;
    }
    throw new Error(`SHOW GRANTS line ${index + 1} for '${baseUser}'@'${host}' does not name that account as grantee`);
  });
}
