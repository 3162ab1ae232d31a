import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir.ts';
import { FileObjectStore } from './file-object-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { startS3rver, type TestServer } from '../testing/test-servers.ts';

/** The same contract for every object store: what holds on the filesystem holds on S3. */
function contract(name: string, open: () => ObjectStore) {
  describe(`${name} object store`, () => {
    test('put, get and list use the same key layout', async () => {
      const store = open();
      await store.put('models/web-1/v0001/model.json', '{"a":1}');
      await store.put('models/web-1/v0002/model.json', Buffer.from('{"a":2}'));
      await store.put('models/web-10/v0001/model.json', '{"b":1}');
      await store.put('models/web-1/champion.json', '{"version":"v0002"}');
      assert.equal((await store.get('models/web-1/v0002/model.json'))!.toString(), '{"a":2}');
      assert.equal(await store.get('models/web-1/v0009/model.json'), undefined);
      assert.deepEqual(await store.list('models/web-1/'), [
        'models/web-1/champion.json',
        'models/web-1/v0001/model.json',
        'models/web-1/v0002/model.json',
      ]);
      assert.equal((await store.list('models/')).length, 4);
    });

    test('an overwrite replaces the object whole; delete removes it', async () => {
      const store = open();
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      await store.put('anomalies/x/2026-11-25/a.json', big);
      await store.put('anomalies/x/2026-11-25/a.json', 'small');
      assert.equal((await store.get('anomalies/x/2026-11-25/a.json'))!.toString(), 'small');
      await store.delete('anomalies/x/2026-11-25/a.json');
      assert.equal(await store.get('anomalies/x/2026-11-25/a.json'), undefined);
    });

    test('listing pages through more than a thousand keys', async () => {
      const store = open();
      await Promise.all(
        Array.from({ length: 1010 }, (_, i) => store.put(`many/k${String(i).padStart(4, '0')}`, String(i)))
      );
      const keys = await store.list('many/');
      assert.equal(keys.length, 1010);
      assert.equal(keys[1009], 'many/k1009');
    });
  });
}

const fsRoot = tempDir('twin-objects-');
contract('filesystem', () => new FileObjectStore(fsRoot));

let s3: TestServer;
before(async () => {
  s3 = await startS3rver();
});
after(() => s3.stop());
contract(
  'S3 (s3rver)',
  () =>
    new S3ObjectStore({
      bucket: 'twin',
      prefix: 'deploy-a/',
      endpoint: s3.url,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    })
);

test('a damaged object is refused on read, naming the key', async () => {
  const root = tempDir('twin-objects-');
  const store = new FileObjectStore(root);
  await store.put('models/i/v1/model.json', '{"weights":[1,2,3]}');
  const file = path.join(root, 'models/i/v1/model.json');
  fs.writeFileSync(file, '{"weights":[1,2,4]}');
  await assert.rejects(store.get('models/i/v1/model.json'), /object models\/i\/v1\/model\.json is damaged/);
});

test('no temporary files are ever listed', async () => {
  const root = tempDir('twin-objects-');
  const store = new FileObjectStore(root);
  fs.mkdirSync(path.join(root, 'models/i'), { recursive: true });
  fs.writeFileSync(path.join(root, 'models/i/x.json.1234.tmp'), 'half');
  await store.put('models/i/y.json', 'whole');
  assert.deepEqual(await store.list('models/'), ['models/i/y.json']);
});

// The filesystem's object is two files; an S3 PUT is atomic with its metadata (s3rver, the stand-in
// the S3 contract runs on, is not, so this is the filesystem's own test).
test('puts and gets of one key at once: every read is one whole put, never a mix (the chaos bench found one)', async () => {
  const store = new FileObjectStore(tempDir('twin-objects-'));
  const bodies = Array.from(
    { length: 200 },
    (_, i) => `{"templates":${JSON.stringify('t'.repeat((i * 7919) % 20_000))}}`
  );
  await store.put('report-templates/same.json', bodies[0]!);
  // Reads among the writes, as concurrent reports of one instance read and rewrite its templates.
  const reads = await Promise.all(
    bodies.flatMap((b) => [store.put('report-templates/same.json', b), store.get('report-templates/same.json')])
  );
  for (const read of reads) if (read) assert.ok(bodies.includes(read.toString()));
  const stored = (await store.get('report-templates/same.json'))!.toString();
  assert.ok(bodies.includes(stored));
});

test('thousands of objects written at once stay within the open-file limit (a fleet closing anomalies together)', () => {
  // A process limited to 256 open files writes 3,000 objects at once; unbounded, it would fail with EMFILE.
  const dir = tempDir();
  const script = `
    const { FileObjectStore } = await import(${JSON.stringify(new URL('./file-object-store.ts', import.meta.url).href)});
    const store = new FileObjectStore(${JSON.stringify(dir)});
    await Promise.all(Array.from({ length: 3000 }, (_, i) => store.put('anomalies/i-' + (i % 50) + '/' + i + '.json', '{"i":' + i + '}')));
    const back = await Promise.all(Array.from({ length: 3000 }, (_, i) => store.get('anomalies/i-' + (i % 50) + '/' + i + '.json')));
    console.log(back.filter((b) => b && JSON.parse(b.toString()).i >= 0).length);`;
  const out = execFileSync(
    'bash',
    [
      '-c',
      `ulimit -n 256 && exec "${process.execPath}" --import tsx --input-type=module -e '${script.replaceAll("'", "'\\''")}'`,
    ],
    {
      encoding: 'utf8',
    }
  );
  assert.equal(out.trim(), '3000');
});

test('the filesystem store makes a folder once, and again if it was removed meanwhile', async () => {
  const root = tempDir('twin-folders-');
  const store = new FileObjectStore(root);
  await store.put('reports/a/1.json', '{}');
  fs.rmSync(path.join(root, 'reports'), { recursive: true });
  await store.put('reports/a/2.json', '{"b":2}');
  assert.equal((await store.get('reports/a/2.json'))!.toString(), '{"b":2}');
  assert.deepEqual(await store.list('reports/'), ['reports/a/2.json']);
});
