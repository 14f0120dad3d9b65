// Smoke test of a ccdr Bolt server with the official npm driver. Expects the test backend of
// upstream-node's tests (io.ccdr.node.bolt.TestBackend) behind BOLT_PORT on 127.0.0.1.
// Prints one line per check and "N passed, N failed"; exits non-zero on any failure.
import neo4j from 'neo4j-driver';

const port = process.env.BOLT_PORT;
if (!port) {
  console.error('BOLT_PORT is not set');
  process.exit(2);
}
const auth = neo4j.auth.basic('neo4j', 'secret');
const config = { maxTransactionRetryTime: 15000, connectionTimeout: 5000, logging: { level: 'warn', logger: (l, m) => console.error(`driver ${l}: ${m}`) } };
let passed = 0;
let failed = 0;

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

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

for (const scheme of ['bolt', 'neo4j']) {
  const driver = neo4j.driver(`${scheme}://127.0.0.1:${port}`, auth, config);
  try {
    await check(`${scheme} verifyConnectivity`, async () => {
      const info = await driver.getServerInfo();
      assert(info.agent.startsWith('Neo4j/'), `agent ${info.agent}`);
      assert(Number(info.protocolVersion) >= 5.0, `protocol ${info.protocolVersion}`);
    });

    await check(`${scheme} executeQuery`, async () => {
      const { records, summary } = await driver.executeQuery('RETURN 1 AS x');
      assert(records.length === 1 && records[0].get('x').toNumber() === 1, 'one row with x = 1');
      assert(summary.database.name === 'neo4j', `database ${summary.database.name}`);
    });

    await check(`${scheme} explicit transaction commit and rollback`, async () => {
      const session = driver.session();
      try {
        const tx = await session.beginTransaction();
        const r = await tx.run('UNWIND range(1, $n) AS i RETURN i', { n: neo4j.int(5) });
        assert(r.records.length === 5, 'five rows');
        await tx.run('CREATE (n)');
        await tx.commit();
        const tx2 = await session.beginTransaction();
        await tx2.run('CREATE (n)');
        await tx2.rollback();
      } finally {
        await session.close();
      }
    });

    await check(`${scheme} managed write, bookmarks`, async () => {
      const session = driver.session();
      let bookmarks;
      try {
        const summary = await session.executeWrite(tx => tx.run('CREATE (n)').then(r => r.summary));
        assert(summary.counters.updates().nodesCreated === 1, 'one node created');
        bookmarks = session.lastBookmarks();
        assert(bookmarks.length === 1 && bookmarks[0].startsWith('FB:test:'), `bookmarks ${bookmarks}`);
      } finally {
        await session.close();
      }
      const reader = driver.session({ defaultAccessMode: neo4j.session.READ, bookmarks });
      try {
        await reader.executeRead(tx => tx.run('RETURN 1 AS x'));
      } finally {
        await reader.close();
      }
    });

    await check(`${scheme} graph values`, async () => {
      const { records } = await driver.executeQuery('GRAPH');
      const r = records[0];
      const a = r.get('a');
      assert(a.elementId === '4:db-neo4j:1' && a.labels[0] === 'Person' && a.properties.name === 'Alice', 'node');
      const rel = r.get('r');
      assert(rel.type === 'KNOWS' && rel.startNodeElementId === '4:db-neo4j:1', 'relationship');
      const p = r.get('p');
      assert(p.length === 2 && p.segments[1].start.properties.name === 'Bob', 'path');
      const when = r.get('when');
      assert(when.timeZoneId === 'Europe/Paris' && when.hour.toNumber() === 13 && when.nanosecond.toNumber() === 123456789, `datetime ${when}`);
    });

    await check(`${scheme} parameter round trip`, async () => {
      const values = {
        int: neo4j.int(-129), big: neo4j.int('9223372036854775807'), float: 3.25, str: 'héllo ✓', list: [neo4j.int(1), 'a', null],
        map: { k: true }, date: new neo4j.types.Date(2024, 2, 29), local: new neo4j.types.LocalDateTime(2000, 1, 1, 12, 0, 0, 42),
        time: new neo4j.types.Time(23, 59, 58, 5, -18000), ltime: new neo4j.types.LocalTime(0, 0, 1, 5),
        zoned: new neo4j.types.DateTime(2024, 6, 1, 12, 30, 0, 1, 7200, 'Europe/Berlin'),
        offset: new neo4j.types.DateTime(1900, 1, 1, 0, 0, 0, 0, 19800),
        dur: new neo4j.types.Duration(14, 3, 3600, 500),
      };
      for (const [name, value] of Object.entries(values)) {
        const { records } = await driver.executeQuery('RETURN $x AS x', { x: value });
        const back = records[0].get('x');
        assert(JSON.stringify(String(back)) === JSON.stringify(String(value)) || JSON.stringify(back) === JSON.stringify(value),
          `${name}: sent ${value} got ${back}`);
      }
    });

    await check(`${scheme} failure then recovery`, async () => {
      const session = driver.session();
      try {
        let code;
        try {
          await session.run('FAIL');
        } catch (e) {
          code = e.code;
        }
        assert(code === 'Neo.ClientError.Statement.SyntaxError', `code ${code}`);
        const r = await session.run('RETURN 1 AS x');
        assert(r.records[0].get('x').toNumber() === 1, 'recovered');
      } finally {
        await session.close();
      }
    });
  } finally {
    await driver.close();
  }

  await check(`${scheme} wrong password`, async () => {
    const bad = neo4j.driver(`${scheme}://127.0.0.1:${port}`, neo4j.auth.basic('neo4j', 'wrong'), config);
    let code;
    try {
      await bad.verifyConnectivity();
    } catch (e) {
      code = e.code;
    } finally {
      await bad.close();
    }
    assert(code === 'Neo.ClientError.Security.Unauthorized', `code ${code}`);
  });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
