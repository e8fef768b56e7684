import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readStoreContract } from '../testing/read-store.contract';
import { SqliteReadStore } from './sqlite-read-store';

const dir = mkdtempSync(join(tmpdir(), 'read-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

readStoreContract('SQLite', async () => new SqliteReadStore(join(dir, 'read.sqlite')));
