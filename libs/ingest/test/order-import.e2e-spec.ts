import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { OrderImportRecords, OrderImportRunner } from '@app/ingest';
import { IngestHarness, resetIngestTables, startIngest, tableChecksums } from './ingest-harness';

const HEADER =
  'order_number,order_time,status,payment,customer_id,mobile,unionid,nickname,city,warehouse_id,warehouse_name,sku_id,sku_name,brand,category_id,category_name,quantity,price';
/** Good orders E1 (2 items), E2, E4 (2 items); E3 has a bad row, E5 a negative payment, a row has no number. */
const FILE = [
  HEADER,
  'E1,2025-04-01 12:00:00,completed,139.14,1,,,小明,上海,W1,华东一仓,SKU1,纯牛奶,伊利,C1,乳制品,1,100.00',
  'E1,2025-04-01 12:00:00,completed,139.14,1,,,小明,上海,W1,华东一仓,SKU2,酸奶,蒙牛,C1,乳制品,1,39.14',
  'E2,2025-04-02 08:00:00,paid,10,,13800000002,,,杭州,W2,华东二仓,SKU1,纯牛奶,伊利,C1,乳制品,1,10',
  'E3,2025-04-02 09:00:00,completed,20,3,,,,上海,W1,华东一仓,SKU1,纯牛奶,伊利,C1,乳制品,1,10',
  'E3,2025-04-31 09:00:00,completed,20,3,,,,上海,W1,华东一仓,SKU3,饼干,奥利奥,C2,零食,1,10',
  ',2025-04-02 09:00:00,completed,20,3,,,,上海,W1,华东一仓,SKU3,饼干,奥利奥,C2,零食,1,10',
  'E4,2025-04-03 10:00:00,refunded,50,,,union-4,,北京,W3,华北仓,SKU3,饼干,奥利奥,C2,零食,2,20',
  'E4,2025-04-03 10:00:00,refunded,50,,,union-4,,北京,W3,华北仓,SKU4,薯片,乐事,C2,零食,1,10',
  'E5,2025-04-03 10:00:00,shipped,-5,5,,,,北京,W3,华北仓,SKU4,薯片,乐事,C2,零食,1,10',
].join('\n');

describe('order file import: the job that reads a stored file', () => {
  let h: IngestHarness;
  let dir: string;
  let records: OrderImportRecords;
  let runner: OrderImportRunner;

  const importFile = async (name: string, content: string | Buffer, dryRun = false) => {
    const path = join(dir, `${Date.now()}-${name}`);
    await writeFile(path, content);
    const id = await records.create(
      {
        createdBy: 'test',
        fileName: name,
        filePath: path,
        fileSize: Buffer.byteLength(content),
        fileSha256: 'x'.repeat(64),
        format: name.endsWith('.xlsx') ? 'xlsx' : 'csv',
        dryRun,
      },
      new Date(),
    );
    return (await runner.run(id))!;
  };
  const numbers = async () =>
    (
      (await h.db.query('SELECT order_number AS n FROM youzan_orders ORDER BY n')) as {
        n: string;
      }[]
    ).map((r) => r.n);

  beforeAll(async () => {
    h = await startIngest();
    records = h.ctx.get(OrderImportRecords);
    runner = h.ctx.get(OrderImportRunner);
    dir = await mkdtemp(join(tmpdir(), 'wpp-import-test-'));
  });
  beforeEach(() => resetIngestTables(h.db));
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes exactly the good orders; the report names every bad row with line, column and reason', async () => {
    const imp = await importFile('orders.csv', FILE);
    expect(imp).toMatchObject({
      state: 'done',
      rowsRead: 9,
      rowsAccepted: 5,
      rowsRejected: 4,
      ordersAccepted: 3,
      ordersRejected: 3,
      ordersWritten: 3,
      ordersUnchanged: 0,
      error: null,
    });
    expect(await numbers()).toEqual(['E1', 'E2', 'E4']);
    expect(
      await h.db.query(
        `SELECT o.order_number AS n, o.user_ids AS u, o.payment AS p, o.status AS s, c.mobile, c.unionid
           FROM youzan_orders o JOIN customers c ON c.id = o.user_ids ORDER BY n`,
      ),
    ).toEqual([
      { n: 'E1', u: '1', p: '139.14', s: 'completed', mobile: null, unionid: null },
      { n: 'E2', u: '2', p: '10.00', s: 'paid', mobile: '13800000002', unionid: null },
      { n: 'E4', u: '3', p: '50.00', s: 'refunded', mobile: null, unionid: 'union-4' },
    ]);
    const [{ links }] = await h.db.query('SELECT COUNT(*) AS links FROM wechat_customers_labels');
    // E1: city, warehouse, category, 2 brands, 2 SKUs; E2: 5; E4: city, warehouse, category, 2 brands, 2 SKUs.
    expect(Number(links)).toBe(7 + 5 + 7);
    const raw = await readFile(imp.reportPath!);
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // a BOM, so Excel reads UTF-8
    const report = raw.subarray(3).toString('utf8').trim().split('\n');
    expect(report[0]).toBe('line,order_number,column,reason,message,value');
    expect(report.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      // A row without a number is reported at once, an order's rows once the order ends.
      '7,,order_number,missing',
      '5,E3,,order_rejected',
      '6,E3,order_time,bad_date',
      '10,E5,status,unknown_status',
      '10,E5,payment,negative_amount',
    ]);
    expect(await h.feeds.freshness()).toEqual([expect.objectContaining({ feed: 'file' })]);
  });

  it('the same file again changes nothing (row counts and checksums equal)', async () => {
    await importFile('orders.csv', FILE);
    const before = await tableChecksums(h.db);
    const again = await importFile('orders.csv', FILE);
    expect(again).toMatchObject({
      state: 'done',
      ordersAccepted: 3,
      ordersWritten: 0,
      ordersUnchanged: 3,
    });
    expect(await tableChecksums(h.db)).toEqual(before);
  });

  it('a dry run writes nothing but the report', async () => {
    const before = await tableChecksums(h.db);
    const imp = await importFile('orders.csv', FILE, true);
    expect(imp).toMatchObject({
      state: 'done',
      dryRun: true,
      ordersAccepted: 3,
      ordersRejected: 3,
      ordersWritten: 0,
    });
    expect(await tableChecksums(h.db)).toEqual(before);
    expect(await h.feeds.freshness()).toEqual([]);
    expect((await readFile(imp.reportPath!, 'utf8')).trim().split('\n')).toHaveLength(6);
  });

  it('GB18030 (as Chinese Excel saves CSV), UTF-8 with a BOM and XLSX give the same orders as UTF-8', async () => {
    await importFile('orders.csv', FILE);
    const expected = await tableChecksums(h.db);
    const variants: [string, Buffer][] = [
      ['gb.csv', iconv.encode(FILE.replace(/\n/g, '\r\n'), 'gb18030')],
      ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(FILE, 'utf8')])],
    ];
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('订单');
    FILE.split('\n').forEach((line, i) =>
      ws.addRow(
        line.split(',').map((v, col) =>
          // The order time as a real date cell (Excel's wall time) on some rows, text on others.
          i > 0 && col === 1 && i % 2 === 0 && !v.includes('-31')
            ? new Date(`${v.replace(' ', 'T')}Z`)
            : v,
        ),
      ),
    );
    variants.push(['orders.xlsx', Buffer.from(await wb.xlsx.writeBuffer())]);
    for (const [name, content] of variants) {
      await resetIngestTables(h.db);
      const imp = await importFile(name, content);
      expect([name, imp.state, imp.ordersWritten, imp.rowsRejected]).toEqual([name, 'done', 3, 4]);
      expect([name, await tableChecksums(h.db)]).toEqual([name, expected]);
    }
  });

  it('a file without a required column fails with the columns named and writes nothing', async () => {
    const imp = await importFile('bad.csv', 'order_number,nickname\nE1,小明\n');
    expect(imp).toMatchObject({ state: 'failed', ordersWritten: 0 });
    expect(imp.error).toBe(
      'columns missing: order_time, status, payment, quantity, price, sku_id, customer_id | mobile | unionid',
    );
    expect(await numbers()).toEqual([]);
  });

  it('a cancel stops the import after the batch being written; a cancelled import does not start', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 4000; i++) {
      lines.push(
        `N${i},2025-04-01 12:00:00,paid,1,${(i % 50) + 1},,,,上海,W1,仓,SKU1,奶,伊利,C1,乳,1,1`,
      );
    }
    const path = join(dir, 'big.csv');
    await writeFile(path, lines.join('\n'));
    const id = await records.create(
      {
        createdBy: 'test',
        fileName: 'big.csv',
        filePath: path,
        fileSize: 1,
        fileSha256: 'x'.repeat(64),
        format: 'csv',
        dryRun: false,
      },
      new Date(),
    );
    let cancelled = false;
    const imp = await runner.run(id, () => {
      if (!cancelled) return records.cancel(id, new Date()).then(() => undefined);
      cancelled = true;
    });
    expect(imp!.state).toBe('cancelled');
    // The cancel, asked when the first batch was written, is seen by the second (written while
    // the third was read); the third is not written.
    expect(imp!.ordersWritten).toBe(1000);

    const queued = await records.create(
      {
        createdBy: 'test',
        fileName: 'big.csv',
        filePath: path,
        fileSize: 1,
        fileSha256: 'x'.repeat(64),
        format: 'csv',
        dryRun: false,
      },
      new Date(),
    );
    expect(await records.cancel(queued, new Date())).toBe('cancelled');
    expect((await runner.run(queued))!).toMatchObject({ state: 'cancelled', rowsRead: 0 });
  });
});
