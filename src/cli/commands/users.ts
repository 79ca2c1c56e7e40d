import type { Command } from 'commander';
import {
  type ApiTokenView,
  createApiToken,
  createUser,
  endSessions,
  listApiTokens,
  listUsers,
  removeUser,
  revokeApiToken,
  setPassword,
  setUserRole,
  type UserView,
} from '../../app/users.js';
import { CliError, EXIT, output, withApp } from '../context.js';
import { plural } from '../format.js';

/**
 * The password, never from a flag (flags show in the process list and shell history): typed at a
 * prompt that does not echo it (twice) when stdin is a terminal, else piped on stdin, where one
 * trailing newline (from `echo`) is dropped and anything else is the password.
 */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const password = await promptHidden('Password: ');
    if ((await promptHidden('Password again: ')) !== password) throw new CliError('the two passwords differ');
    if (password === '') throw new CliError('no password typed (or pass --no-password)');
    return password;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') {
    throw new CliError(
      'no password on stdin: pipe it in, e.g. `printf \'%s\' "$PASSWORD" | affinity-sync users …` (or pass --no-password)',
    );
  }
  return password;
}

/** Reads one line from the terminal without echoing it; Ctrl-C or Ctrl-D on an empty line cancels. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows, so nothing typed after it is echoed.
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) {
          finish();
          reject(new CliError('cancelled: no password read', EXIT.interrupted));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function describeUser(u: UserView): string {
  const name = u.name ? ` (${u.name})` : '';
  return `${u.email}${name}`;
}

function userLine(u: UserView): string {
  const badge = u.admin ? 'admin ' : 'member';
  const login = u.lastLoginAt ? `last sign-in ${u.lastLoginAt}` : 'never signed in';
  const pw = u.hasPassword ? '' : ', no password';
  return `  ${badge}  ${describeUser(u)}  #${u.id}  ${login}${pw}`;
}

function tokenLine(t: ApiTokenView): string {
  const used = t.lastUsedAt ? `last used ${t.lastUsedAt}` : 'never used';
  const expires = t.expiresAt ? `, expires ${t.expiresAt}` : '';
  return `  #${t.id}  ${t.prefix}…  ${t.name}  created ${t.createdAt}, ${used}${expires}`;
}

function roleFrom(flags: { admin?: boolean; role?: string }): 'admin' | 'member' {
  if (flags.admin && flags.role !== undefined && flags.role !== 'admin') {
    throw new CliError(`--admin and --role ${flags.role} disagree: pass one`);
  }
  const role = flags.admin ? 'admin' : (flags.role ?? 'member');
  if (role !== 'admin' && role !== 'member')
    throw new CliError(`--role must be admin or member, got ${role}`);
  return role;
}

/**
 * `affinity-sync users`: the team of a server (accounts, roles, API tokens) from the command line,
 * as the local admin. Passwords come from stdin; tokens are printed once, when made.
 */
export function registerUsers(program: Command): void {
  const users = program
    .command('users')
    .description('people who may use the server: add, list, remove, roles, passwords, API tokens');

  users
    .command('add <email>')
    .description(
      'add a user; the password is typed at a prompt or piped on stdin (first run: add yourself with --admin)',
    )
    .option('--admin', 'make them an admin (same as --role admin)')
    .option('--role <role>', 'admin or member (default member)')
    .option('--name <name>', 'their name, as the team list shows it')
    .option('--no-password', 'no password (they cannot sign in until one is set; API tokens work)')
    .action(
      async (
        email: string,
        flags: { admin?: boolean; role?: string; name?: string; password: boolean },
        cmd: Command,
      ) => {
        const role = roleFrom(flags);
        const password = flags.password ? await readPassword() : undefined;
        const user = await withApp(cmd, (ctx) =>
          createUser(ctx, {
            email,
            role,
            ...(password === undefined ? {} : { password }),
            ...(flags.name === undefined ? {} : { name: flags.name }),
          }),
        );
        output(cmd, { ok: true, user }, () => `added ${describeUser(user)} as ${article(user.role)}`);
      },
    );

  users
    .command('list')
    .description('everyone on the team, admins first')
    .action(async (_flags: unknown, cmd: Command) => {
      const list = await withApp(cmd, (ctx) => listUsers(ctx));
      output(cmd, { ok: true, users: list }, () =>
        list.length === 0
          ? 'no users yet: add the first admin with `affinity-sync users add EMAIL --admin` (password on stdin)'
          : [`${plural(list.length, 'user')}:`, ...list.map(userLine)].join('\n'),
      );
    });

  users
    .command('remove <email>')
    .description('remove a user with their sessions and API tokens (never the last admin)')
    .action(async (email: string, _flags: unknown, cmd: Command) => {
      const user = await withApp(cmd, (ctx) => removeUser(ctx, { user: email }));
      output(
        cmd,
        { ok: true, removed: user },
        () => `removed ${describeUser(user)}; their sessions and tokens no longer work`,
      );
    });

  users
    .command('role <email> <role>')
    .description('make a user an admin or a member (never demotes the last admin)')
    .action(async (email: string, role: string, _flags: unknown, cmd: Command) => {
      if (role !== 'admin' && role !== 'member')
        throw new CliError(`the role must be admin or member, got ${role}`);
      const user = await withApp(cmd, (ctx) => setUserRole(ctx, { user: email, role }));
      output(cmd, { ok: true, user }, () => `${describeUser(user)} is now ${article(user.role)}`);
    });

  users
    .command('password <email>')
    .description("set a user's password (typed at a prompt or piped on stdin); their sessions end")
    .action(async (email: string, _flags: unknown, cmd: Command) => {
      const password = await readPassword();
      const user = await withApp(cmd, (ctx) => setPassword(ctx, { user: email, password }));
      output(
        cmd,
        { ok: true, user },
        () => `password set for ${describeUser(user)}; their sessions were ended`,
      );
    });

  users
    .command('signout <email>')
    .description('sign a user out everywhere: end all their sessions (API tokens keep working)')
    .action(async (email: string, _flags: unknown, cmd: Command) => {
      const revoked = await withApp(cmd, (ctx) => endSessions(ctx, { user: email }));
      output(cmd, { ok: true, email, revoked }, () => `ended ${plural(revoked, 'session')} of ${email}`);
    });

  users
    .command('token <email>')
    .description('make an API token for a user (printed once: store it now)')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--expires-days <days>', 'days until it stops working (default: never)')
    .action(async (email: string, flags: { name: string; expiresDays?: string }, cmd: Command) => {
      let expiresInDays: number | undefined;
      if (flags.expiresDays !== undefined) {
        expiresInDays = Number(flags.expiresDays);
        if (!Number.isInteger(expiresInDays) || expiresInDays < 1) {
          throw new CliError(`--expires-days must be a whole number of days ≥ 1, got ${flags.expiresDays}`);
        }
      }
      const token = await withApp(cmd, (ctx) =>
        createApiToken(ctx, {
          user: email,
          name: flags.name,
          ...(expiresInDays === undefined ? {} : { expiresInDays }),
        }),
      );
      output(cmd, { ok: true, token }, () =>
        [
          token.token,
          `API token #${token.id} "${token.name}" for ${token.email}: send it as \`Authorization: Bearer <token>\`.`,
          'It is shown only now; revoke it with `affinity-sync users revoke-token ' + token.id + '`.',
        ].join('\n'),
      );
    });

  users
    .command('tokens <email>')
    .description("a user's live API tokens (their first characters, never the tokens)")
    .action(async (email: string, _flags: unknown, cmd: Command) => {
      const tokens = await withApp(cmd, (ctx) => listApiTokens(ctx, { user: email }));
      output(cmd, { ok: true, email, tokens }, () =>
        tokens.length === 0
          ? `${email} has no API tokens`
          : [`${plural(tokens.length, 'API token')} of ${email}:`, ...tokens.map(tokenLine)].join('\n'),
      );
    });

  users
    .command('revoke-token <id>')
    .description('revoke an API token at once (its id from `users tokens`)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const n = Number(id.replace(/^#/, ''));
      if (!Number.isInteger(n) || n < 1) throw new CliError(`the token id must be a number, got ${id}`);
      const token = await withApp(cmd, (ctx) => revokeApiToken(ctx, { id: n }));
      output(cmd, { ok: true, revoked: token }, () => `revoked API token #${token.id} "${token.name}"`);
    });
}

function article(role: string): string {
  return role === 'admin' ? 'an admin' : 'a member';
}
