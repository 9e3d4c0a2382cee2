// The broker of the evaluation farm is named by one URL (`--broker redis://…`), and that URL
// may carry the broker's password. This file is the one place that reads it: it turns
// `redis://[user:password@]host[:port][/db]` and `rediss://…` (TLS) into ioredis options
// (which BullMQ takes as they are), and describes a broker for logs and error messages with
// the password replaced by `***`. No error here quotes a URL as it was given: a malformed
// URL is named through the same redaction, which works even when the URL does not parse.
import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';

export const DEFAULT_REDIS_PORT = 6379;

/** A broker URL that cannot be used; the message names it without its password. */
export class BrokerUrlError extends Error {
  override name = 'BrokerUrlError';
}

/** What a broker URL says, as ioredis (and so BullMQ) options. */
export interface BrokerOptions extends Pick<
  RedisOptions,
  'host' | 'port' | 'username' | 'password' | 'db' | 'tls'
> {
  host: string;
  port: number;
}

/** Parses a redis:// or rediss:// URL; throws BrokerUrlError naming it without the password. */
export function parseBrokerUrl(raw: string): BrokerOptions {
  const fail = (why: string): never => {
    throw new BrokerUrlError(`broker URL ${describeBroker(raw)} is not valid: ${why}`);
  };
  const text = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss')
    fail('it must start with redis:// (or rediss:// for TLS)');
  // Host and port are checked on the text itself: WHATWG URL parsing only says "invalid".
  const address = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(hostAndPort(text));
  if (address === null)
    return fail('it is not a URL of the form redis://[user:password@]host:port');
  if (address[1] === '' || address[1] === '[]') fail('it has no host');
  let port = DEFAULT_REDIS_PORT;
  if (address[2] !== undefined) {
    if (address[2] === '') fail('the port is empty');
    port = /^\d{1,5}$/.test(address[2]) ? Number(address[2]) : NaN;
    if (!(port >= 1 && port <= 65535)) fail('the port must be between 1 and 65535');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('it is not a URL of the form redis://[user:password@]host:port');
  }
  if (url.search !== '' || url.hash !== '')
    fail('it must not have a query (?…) or a fragment (#…)');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');

  const options: BrokerOptions = { host, port };
  const { username, password } = userInfo(url, fail);
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;

  const path = url.pathname;
  if (path !== '' && path !== '/') {
    const db = /^\/(\d{1,5})$/.exec(path)?.[1];
    if (db === undefined) fail('the path may only be a database number, e.g. /0');
    options.db = Number(db);
  }
  // TLS verifies the broker's certificate (Node's default CAs); servername is what SNI and
  // the certificate check use, and Node refuses an IP address there.
  if (scheme === 'rediss') options.tls = isIP(host) === 0 ? { servername: host } : {};
  return options;
}

/** The `host:port` part of a broker URL: after the last `@`, before any path, query or fragment. */
function hostAndPort(text: string): string {
  const rest = text.slice(text.indexOf('://') + 3);
  return rest.slice(rest.lastIndexOf('@') + 1).replace(/[/?#].*$/s, '');
}

function userInfo(
  url: URL,
  fail: (why: string) => never,
): { username?: string; password?: string } {
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return fail(`the ${what} is not valid percent-encoding`);
    }
  };
  if (url.username === '' && url.password === '') return {};
  // redis://name@host is ambiguous (older tools read it as a password): refuse it rather
  // than send a password as a user name, or a user name as a password.
  if (url.password === '')
    fail('write credentials as user:password@ or :password@ (a lone name@ is ambiguous)');
  const password = decode(url.password, 'password');
  if (url.username === '') return { password };
  return { username: decode(url.username, 'user name'), password };
}

/**
 * The broker for a log line or an error: `redis://user:***@host:6379`. Never contains the
 * password, even for a string that is not a valid URL: everything before the last `@` after
 * `//` counts as credentials (a password may hold `/`, `?` or `@` unencoded), only the text
 * before its first `:` is kept as the user name, and a query or fragment is left out.
 */
export function describeBroker(raw: string): string {
  const text = raw.trim();
  const schemeEnd = text.indexOf('://');
  const scheme = schemeEnd < 0 ? '' : text.slice(0, schemeEnd + 3);
  const rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  const address = (at < 0 ? rest : rest.slice(at + 1)).replace(/[?#].*$/s, '');
  if (at < 0) return scheme + address;
  const credentials = rest.slice(0, at);
  const colon = credentials.indexOf(':');
  const user = colon < 0 ? '' : credentials.slice(0, colon);
  return `${scheme}${user}:***@${address}`;
}

/** ioredis options as the broker's description, for a connection that is already parsed. */
export function describeBrokerOptions(options: BrokerOptions): string {
  const scheme = options.tls === undefined ? 'redis' : 'rediss';
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const auth =
    options.password === undefined
      ? ''
      : `${options.username === undefined ? '' : encodeURIComponent(options.username)}:***@`;
  const db = options.db === undefined ? '' : `/${options.db}`;
  return `${scheme}://${auth}${host}:${options.port}${db}`;
}

/**
 * The URL with TLS switched on and/or a password put in: for a password kept apart from
 * the URL (an environment variable, the vault's wrapped setting) and for `--tls`.
 */
export function brokerUrlWith(raw: string, options: { tls?: boolean; password?: string }): string {
  parseBrokerUrl(raw);
  const url = new URL(raw.trim());
  if (options.tls) url.protocol = 'rediss:';
  if (options.password !== undefined && options.password !== '') {
    url.password = encodeURIComponent(options.password);
  }
  return url.toString().replace(/\/$/, '');
}
