/**
 * The mail consumer's SMTP transport (worker/mail-transport.ts) against a real SMTP server in this
 * process (smtp-server, as the local mail sink): pooled, Nagle's algorithm off, failures reported.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createMailTransport, noDelaySocket } from '../../worker/mail-transport';

let server: SMTPServer;
let port: number;
const received: string[] = [];
let connections = 0;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'],
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = ((server as unknown as { server: net.Server }).server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the mail consumer's SMTP transport", () => {
  it('sends every message over at most two kept-open connections, each with the delay of Nagle\'s algorithm off', async () => {
    const noDelay = jest.spyOn(net.Socket.prototype, 'setNoDelay');
    const before = connections;
    const transport = createMailTransport(`smtp://127.0.0.1:${port}`);
    try {
      expect(transport.transporter.name).toBe('SMTP (pool)');
      await Promise.all(Array.from({ length: 8 }, (_, i) =>
        transport.sendMail({ from: 'kyusui@example.go.jp', to: `holder${i}@example.jp`, subject: '通知', text: '本文' })));
      expect(received).toEqual(expect.arrayContaining(Array.from({ length: 8 }, (_, i) => `holder${i}@example.jp`)));
      expect(connections - before).toBeGreaterThanOrEqual(1);
      expect(connections - before).toBeLessThanOrEqual(2);
      // Our side of the connections (their remote port is the server's) had the delay turned off.
      const ours = noDelay.mock.contexts.filter((socket, i) => (socket as net.Socket).remotePort === port && noDelay.mock.calls[i][0] === true);
      expect(ours.length).toBeGreaterThanOrEqual(1);
    } finally {
      transport.close();
      noDelay.mockRestore();
    }
  });

  it('keeps one connection per message when the SMTP URL turns the pool off', async () => {
    const transport = createMailTransport(`smtp://127.0.0.1:${port}?pool=false`);
    try {
      expect(transport.transporter.name).toBe('SMTP');
      await transport.sendMail({ from: 'kyusui@example.go.jp', to: 'single@example.jp', subject: '通知', text: '本文' });
      expect(received).toContain('single@example.jp');
    } finally {
      transport.close();
    }
  });

  it('reports a server that refuses the connection as an error, and the send fails instead of waiting', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await new Promise<Error | null>((resolve) => noDelaySocket({ host: '127.0.0.1', port: deadPort }, resolve));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    const transport = createMailTransport(`smtp://127.0.0.1:${deadPort}`);
    try {
      await expect(transport.sendMail({ from: 'kyusui@example.go.jp', to: 'x@example.jp', subject: 's', text: 't' }))
        .rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|ECONNECTION/) });
    } finally {
      transport.close();
    }
  });
});
