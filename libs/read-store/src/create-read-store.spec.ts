import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createReadStore } from './create-read-store';

describe('createReadStore', () => {
  it('opens SQLite at ${dataDir}/read.sqlite, creating the directory, when no MongoDB URI is set', async () => {
    const root = mkdtempSync(join(tmpdir(), 'read-store-factory-'));
    try {
      const dataDir = join(root, 'nested', 'data');
      const store = await createReadStore({ dataDir, mongodbUri: '' });
      expect(store.engine).toBe('sqlite');
      expect(store.capabilities).toEqual({ transactional: true, embedded: true });
      await store.collection('things').upsert({ _id: 'a' });
      await store.close();
      expect(existsSync(join(dataDir, 'read.sqlite'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
