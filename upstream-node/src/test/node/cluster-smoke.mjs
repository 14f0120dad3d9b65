// Smoke test of a real ccdr cluster with the official npm driver: routed write, routed read with
// the write's bookmark, and a transaction function. Expects BOLT_URI (neo4j://host:port) and
// BOLT_PASSWORD for user neo4j. Prints one line per check and "N passed, N failed".
import neo4j from 'neo4j-driver';

const uri = process.env.BOLT_URI;
if (!uri) {
  console.error('BOLT_URI is not set');
  process.exit(2);
}
const driver = neo4j.driver(uri, neo4j.auth.basic('neo4j', process.env.BOLT_PASSWORD || ''),
  { maxTransactionRetryTime: 30000, connectionTimeout: 5000 });
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.code ? e.code + ' ' : ''}${e && e.message}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

try {
  let bookmarks;
  await check('routed write', async () => {
    const session = driver.session({ defaultAccessMode: neo4j.session.WRITE });
    try {
      await session.executeWrite(tx => tx.run('MERGE (:NodeSmoke {name: $name})', { name: 'from-node' }));
      bookmarks = session.lastBookmarks();
      assert(bookmarks.length > 0, 'no bookmark after a write');
    } finally {
      await session.close();
    }
  });

  await check('routed read with bookmark', async () => {
    const session = driver.session({ defaultAccessMode: neo4j.session.READ, bookmarks });
    try {
      const result = await session.executeRead(tx => tx.run('MATCH (n:NodeSmoke {name: $name}) RETURN count(n) AS c', { name: 'from-node' }));
      assert(result.records[0].get('c').toNumber() === 1, 'the write is not visible');
    } finally {
      await session.close();
    }
  });

  await check('transaction function with several statements', async () => {
    const session = driver.session();
    try {
      const total = await session.executeWrite(async tx => {
        await tx.run('CREATE (:NodeSmokeTx {n: 1})');
        await tx.run('CREATE (:NodeSmokeTx {n: 2})');
        const r = await tx.run('MATCH (t:NodeSmokeTx) RETURN sum(t.n) AS s');
        return r.records[0].get('s').toNumber();
      });
      assert(total === 3, `sum ${total}`);
    } finally {
      await session.close();
    }
  });

  await check('executeQuery', async () => {
    const { records } = await driver.executeQuery('RETURN 1 + 1 AS two');
    assert(records[0].get('two').toNumber() === 2, 'wrong answer');
  });
} finally {
  await driver.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
