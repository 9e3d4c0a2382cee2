import { expect, it } from 'vitest';
import { ByteBudget } from './byte-budget.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('holds back a reservation until it fits, in order, and tracks the peak', async () => {
  const budget = new ByteBudget(100);
  const a = await budget.acquire(60);
  const order: string[] = [];
  const b = budget.acquire(50).then((lease) => (order.push('b'), lease));
  const c = budget.acquire(10).then((lease) => (order.push('c'), lease));
  await tick();
  expect(order).toEqual([]); // c would fit, but waits behind b: no starvation of big files
  a.release();
  a.release(); // a second release gives nothing back twice
  const [lb, lc] = await Promise.all([b, c]);
  expect(order).toEqual(['b', 'c']);
  expect(budget.inFlight).toBe(60);
  expect(budget.peak).toBe(60);
  lb.release();
  lc.release();
  expect(budget.inFlight).toBe(0);
});

it('lets a reservation larger than the whole budget through alone', async () => {
  const budget = new ByteBudget(100);
  const small = await budget.acquire(10);
  let granted = false;
  const big = budget.acquire(500).then((lease) => ((granted = true), lease));
  await tick();
  expect(granted).toBe(false); // not beside anything else
  small.release();
  const lease = await big;
  expect(budget.peak).toBe(500);
  let next = false;
  const after = budget.acquire(1).then((l) => ((next = true), l));
  await tick();
  expect(next).toBe(false);
  lease.release();
  (await after).release();
});

it('rejects nonsense limits and sizes', () => {
  expect(() => new ByteBudget(0)).toThrow(RangeError);
  expect(() => new ByteBudget(1.5)).toThrow(RangeError);
  expect(() => new ByteBudget(10).acquire(-1)).toThrow(RangeError);
});
