import type { DataSource, EntityManager } from 'typeorm';

/** A database transaction as repository methods accept it (their `em` argument); services only pass it on. */
export type Tx = EntityManager;

/** Runs work in one database transaction: whatever `fn` writes through repositories given its `tx` commits or rolls back together. */
export interface UnitOfWork {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** The unit of work over `ds` (READ COMMITTED, PostgreSQL's default). */
export function unitOfWork(ds: DataSource): UnitOfWork {
  return { transaction: (fn) => ds.transaction(fn) };
}
