export interface Migration {
  /** Schema version this migration produces (PRAGMA user_version after it runs). */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
