// The demo's user accounts and password check.
import bcrypt from 'bcryptjs';

/** The one demo account: alice / wonderland, its password kept only as a bcrypt hash. */
const ACCOUNTS = [
  {
    id: 'u-1',
    name: 'alice',
    role: 'admin',
    passwordHash: '$2b$10$e6ZxDCh.vpQQ.Z79UR7RAu2Ug7PSOM0BjNxoKrvb2ITk/evfnBJxK',
  },
];
/** The accounts by name, in a Map: `__proto__` or `toString` are names like any other. */
const BY_NAME = new Map(ACCOUNTS.map((account) => [account.name, account]));

/**
 * A bcrypt hash of a random password nobody knows, at the accounts' cost: an unknown user name is
 * checked against it, so a login takes one bcrypt comparison whether the user exists or not.
 */
const DUMMY_HASH = '$2b$10$wNVl3e4X9ZxiW3g5jjLDyurVW6x/qgQnH/o4u43M/Zsr3Rw6jYZm.';

/**
 * The account `username` and `password` sign in to, or null. Always runs exactly one `compare`
 * (bcrypt's by default), whatever the input, so the time taken does not tell whether the user
 * exists.
 * @param {unknown} username
 * @param {unknown} password
 */
export async function authenticate(username, password, compare = bcrypt.compare) {
  const account = typeof username === 'string' ? BY_NAME.get(username) : undefined;
  const matches = await compare(typeof password === 'string' ? password : '', account?.passwordHash ?? DUMMY_HASH);
  return account && matches ? account : null;
}

/** The account with `id` (from a session), or undefined. */
export function userById(id) {
  return ACCOUNTS.find((account) => account.id === id);
}
