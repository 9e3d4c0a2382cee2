// How lane batches are spread over a worker pool: whole batches first, and a batch is
// split into shares only when workers would otherwise sit idle.
import { describe, expect, it } from 'vitest';
import { laneSchedule } from './lane-schedule.ts';

describe('laneSchedule', () => {
  it('runs one batch per worker and splits batches only across idle workers', () => {
    expect(laneSchedule(2, 1)).toEqual({ concurrent: 1, parts: 2 });
    expect(laneSchedule(2, 5)).toEqual({ concurrent: 2, parts: 1 });
    expect(laneSchedule(4, 1)).toEqual({ concurrent: 1, parts: 4 });
    expect(laneSchedule(4, 2)).toEqual({ concurrent: 2, parts: 2 });
    expect(laneSchedule(4, 3)).toEqual({ concurrent: 3, parts: 1 });
    expect(laneSchedule(1, 3)).toEqual({ concurrent: 1, parts: 1 });
  });
});
