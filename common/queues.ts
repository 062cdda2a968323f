/**
 * Bull queues (Redis): mail and print jobs leave the workflow as jobs, so a slow SMTP server or
 * printer never holds a workflow task. One set of queues per process, closed on shutdown.
 * Jobs carry IDs only (the consumer reads the rest from the database): never the My Number, and
 * nothing personal, since the queue dashboard shows jobs to the admin (api/queue-dashboard.ts).
 */
import Queue from 'bull';

export const QUEUE_NAMES = ['mail', 'print', 'system'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
export type Queues = Record<QueueName, Queue.Queue> & { close(): Promise<void> };

export function createQueues(redisUrl: string, prefix = 'kyusui'): Queues {
  const make = (name: QueueName) =>
    new Queue(name, redisUrl, {
      prefix,
      defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: false },
    });
  const queues = { mail: make('mail'), print: make('print'), system: make('system') };
  return {
    ...queues,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
