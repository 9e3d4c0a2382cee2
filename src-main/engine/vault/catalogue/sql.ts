// The catalogue's statements, in two kinds. A read statement is refused unless SQLite
// reports it read-only, so the read handle cannot write even by a mistake in its SQL; a
// write statement runs only while a write transaction is open, so every write is part of
// one (a writer kept past its transaction throws instead of writing on its own). Each
// statement is prepared once per catalogue.
import type { Database, Statement } from 'better-sqlite3';

/** What a table group's reads get: queries that cannot change the catalogue. */
export interface SqlReads {
  /** The first row, or undefined. */
  get<Row>(sql: string, ...params: unknown[]): Row | undefined;
  all<Row>(sql: string, ...params: unknown[]): Row[];
  /** The first column of the first row, or undefined. */
  value<Value>(sql: string, ...params: unknown[]): Value | undefined;
  /** The first column of every row. */
  values<Value>(sql: string, ...params: unknown[]): Value[];
}

/** What a table group's writes get: its reads, and statements that change rows. */
export interface SqlWrites extends SqlReads {
  run(sql: string, ...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

export class CatalogueSql {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<unknown[]>>();
  #writeDepth = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  readonly reads: SqlReads = {
    get: <Row>(sql: string, ...params: unknown[]) =>
      this.#read(sql)
        .pluck(false)
        .get(...params) as Row | undefined,
    all: <Row>(sql: string, ...params: unknown[]) =>
      this.#read(sql)
        .pluck(false)
        .all(...params) as Row[],
    value: <Value>(sql: string, ...params: unknown[]) =>
      this.#read(sql)
        .pluck(true)
        .get(...params) as Value | undefined,
    values: <Value>(sql: string, ...params: unknown[]) =>
      this.#read(sql)
        .pluck(true)
        .all(...params) as Value[],
  };

  readonly writes: SqlWrites = {
    ...this.reads,
    run: (sql: string, ...params: unknown[]) => this.#write(sql).run(...params),
  };

  /**
   * Runs fn in one transaction: committed when it returns, rolled back when it throws.
   * BEGIN IMMEDIATE takes the write lock first, so a read-then-write inside never fails
   * midway on a lock another connection holds. Nested calls are savepoints of the outer one.
   */
  transaction<T>(fn: () => T): T {
    return this.#db
      .transaction(() => {
        this.#writeDepth++;
        try {
          return fn();
        } finally {
          this.#writeDepth--;
        }
      })
      .immediate();
  }

  #read(sql: string): Statement<unknown[]> {
    const statement = this.#prepare(sql);
    if (!statement.readonly)
      throw new Error(`the catalogue's read handle cannot run a statement that writes: ${sql}`);
    return statement;
  }

  #write(sql: string): Statement<unknown[]> {
    if (this.#writeDepth === 0 || !this.#db.inTransaction)
      throw new Error(`a catalogue write runs only inside its write transaction: ${sql}`);
    return this.#prepare(sql);
  }

  #prepare(sql: string): Statement<unknown[]> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare<unknown[]>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
