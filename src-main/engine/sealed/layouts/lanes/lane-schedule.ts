// How lane batches share a pool of evaluation threads. One rule, used both by the
// evaluators that run batches and by the cost model that predicts them, so the
// prediction schedules work exactly as the run does.

/**
 * How a pool of `workers` runs `batches` lane batches: one batch per worker at a time
 * (`concurrent`), and with fewer batches than workers each batch split into `parts`
 * shares so every core still works (one batch on two cores: two halves at once).
 */
export function laneSchedule(
  workers: number,
  batches: number,
): { concurrent: number; parts: number } {
  const concurrent = Math.max(1, Math.min(workers, batches));
  return { concurrent, parts: Math.max(1, Math.floor(workers / concurrent)) };
}
