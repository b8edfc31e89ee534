import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of a real server (MariaDB here) that can lose one answer: armed with a
 * pattern, it forwards the first client packet matching it, waits for the server's answer and
 * then closes both sides instead of passing it on — the statement ran (and, in autocommit,
 * committed) but the client only sees its connection drop. Everything else passes unchanged.
 */
export interface FaultProxy {
  port: number;
  /** Resolves once a statement matching `pattern` has run and its answer was dropped. */
  dropAnswerTo(pattern: RegExp): Promise<string>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let armed: { pattern: RegExp; done: (statement: string) => void } | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    let dropNext: ((statement: string) => void) | undefined;
    let statement = '';
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (armed && armed.pattern.test(text)) {
        dropNext = armed.done;
        statement = text;
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (dropNext) {
        client.destroy();
        upstream.destroy();
        dropNext(statement);
        dropNext = undefined;
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dropAnswerTo(pattern) {
      return new Promise<string>((done) => {
        armed = { pattern, done };
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
