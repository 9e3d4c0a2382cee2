// The broker URL is where the broker's password lives: parsing must get every part right,
// and nothing that describes a broker (a log line, an error) may ever contain the password.
import { describe, expect, it } from 'vitest';
import {
  BrokerUrlError,
  describeBroker,
  describeBrokerOptions,
  parseBrokerUrl,
} from './broker-url.ts';

describe('parseBrokerUrl', () => {
  it('reads host, port, user, password and database', () => {
    expect(parseBrokerUrl('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380 });
    expect(parseBrokerUrl('redis://broker.example')).toEqual({
      host: 'broker.example',
      port: 6379,
    });
    expect(parseBrokerUrl('redis://farm:s3cr%3At%40x@broker.example:7000/2')).toEqual({
      host: 'broker.example',
      port: 7000,
      username: 'farm',
      password: 's3cr:t@x',
      db: 2,
    });
    expect(parseBrokerUrl('redis://:only-a-password@10.0.0.5:6379/')).toEqual({
      host: '10.0.0.5',
      port: 6379,
      password: 'only-a-password',
    });
    expect(parseBrokerUrl('REDIS://[::1]:6390')).toEqual({ host: '::1', port: 6390 });
  });

  it('turns rediss:// into TLS, with SNI for a host name and none for an address', () => {
    expect(parseBrokerUrl('rediss://u:p@broker.example:6380')).toEqual({
      host: 'broker.example',
      port: 6380,
      username: 'u',
      password: 'p',
      tls: { servername: 'broker.example' },
    });
    expect(parseBrokerUrl('rediss://192.0.2.7:6380').tls).toEqual({});
    expect(parseBrokerUrl('redis://192.0.2.7:6380').tls).toBeUndefined();
  });

  it.each([
    ['http://u:hunter2@host:6379', /must start with redis:\/\//],
    ['host:6379', /must start with redis:\/\//],
    ['', /must start with redis:\/\//],
    ['redis://u:hunter2@host:99999', /port must be between 1 and 65535/],
    ['redis://u:hunter2@host:0', /port must be between 1 and 65535/],
    ['redis://u:hunter2@host:', /port is empty/],
    ['redis://u:hunter2@:6379', /no host/],
    ['redis://u:hunter2@host:6379/db1', /path may only be a database number/],
    ['redis://u:hunter2@host:6379/1/2', /path may only be a database number/],
    ['redis://u:hunter2@host:63a9', /port must be between 1 and 65535/],
    ['redis://u:hunter2@[]:6379', /no host/],
    ['redis://u:hunter2@host:6379?tls=1', /must not have a query/],
    ['redis://hunter2@host:6379', /lone name@ is ambiguous/],
    ['redis://u:hunter2%zz@host:6379', /password is not valid percent-encoding/],
    ['redis://u:hun ter2@ho st:6379', /not a URL/],
  ])('refuses %j, naming it without the password', (url, why) => {
    let error: unknown;
    try {
      parseBrokerUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BrokerUrlError);
    const message = (error as Error).message;
    expect(message).toMatch(why);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('hun ter2');
    expect(message).toMatch(/^broker URL .* is not valid: /);
    expect(message).not.toContain('\n');
  });
});

describe('describeBroker', () => {
  it.each([
    ['redis://farm:hunter2@broker.example:6379', 'redis://farm:***@broker.example:6379'],
    ['redis://:hunter2@127.0.0.1:6379/3', 'redis://:***@127.0.0.1:6379/3'],
    ['rediss://broker.example:6380', 'rediss://broker.example:6380'],
    // Malformed URLs still lose their password, however it is written.
    ['redis://hunter2@host:6379', 'redis://:***@host:6379'],
    ['redis://farm:hun/ter2@host:6379', 'redis://farm:***@host:6379'],
    ['redis://farm:hun@ter2@host:6379', 'redis://farm:***@host:6379'],
    ['redis://farm:hun?ter2@host:6379', 'redis://farm:***@host:6379'],
    ['redis://host:6379?password=hunter2', 'redis://host:6379'],
    ['farm:hunter2@host:6379', 'farm:***@host:6379'],
    ['  redis://farm:hunter2@host:6379  ', 'redis://farm:***@host:6379'],
  ])('%j reads %j', (url, shown) => {
    expect(describeBroker(url)).toBe(shown);
    expect(describeBroker(url)).not.toMatch(/hun.?ter2/);
  });

  it('describes parsed options the same way', () => {
    const url = 'rediss://farm:hunter2@[::1]:6380/1';
    expect(describeBrokerOptions(parseBrokerUrl(url))).toBe('rediss://farm:***@[::1]:6380/1');
    expect(describeBrokerOptions(parseBrokerUrl('redis://h'))).toBe('redis://h:6379');
  });
});
