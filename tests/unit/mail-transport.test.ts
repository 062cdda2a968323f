import nodemailer from 'nodemailer';
import { pooledSmtpUrl } from '../../worker/jobs';

describe('the mail consumer\'s SMTP transport', () => {
  it('when the SMTP URL says nothing about pooling, then nodemailer gets a pool of two connections', () => {
    const url = pooledSmtpUrl('smtp://user:secret@127.0.0.1:11025');
    const transport = nodemailer.createTransport(url);
    expect(transport.transporter.name).toBe('SMTP (pool)');
    expect(new URL(url)).toMatchObject({ username: 'user', password: 'secret', host: '127.0.0.1:11025' });
    expect(new URL(url).searchParams.get('maxConnections')).toBe('2');
    transport.close();
  });

  it('when the SMTP URL turns pooling off, then it stays off', () => {
    const transport = nodemailer.createTransport(pooledSmtpUrl('smtp://127.0.0.1:11025?pool=false'));
    expect(transport.transporter.name).toBe('SMTP');
    transport.close();
  });
});
