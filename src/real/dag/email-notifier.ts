/**
 * Notifications by email over SMTP (nodemailer): one message per notification, its subject the
 * notification's one line, its body that line and the notification as JSON. The SMTP server is a
 * URL (`smtp://user:pass@host:587`, `smtps://…` for TLS from the start); nodemailer upgrades a plain
 * connection with STARTTLS when the server offers it.
 */
import type nodemailer from 'nodemailer';
import { lazyRequire } from '../../env/lazy-require.js';
import type { Notification, Notifier } from '../../systems/dag/notifier.js';

export interface EmailNotifierOptions {
  /** `smtp://[user:pass@]host[:port]` or `smtps://…`. */
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: readonly string[];
  /** Give up on a server that does not answer within this long, ms (default 10 000). */
  readonly timeoutMs?: number;
}

/** The subject line of a notification's email. */
export function emailSubject(notification: Notification): string {
  return `[simrun ${notification.kind}] ${notification.pipeline}/${notification.job}: ${notification.message}`;
}

/** The SMTP client, loaded when a pipeline is first run with email notifications. */
const smtpClient: () => typeof nodemailer = lazyRequire('nodemailer');

export function emailNotifier(options: EmailNotifierOptions): Notifier {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const transport = smtpClient().createTransport({ url: options.smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  return {
    async notify(notification) {
      await transport.sendMail({
        from: options.from,
        to: options.to.join(', '),
        subject: emailSubject(notification),
        text: `${notification.pipeline}/${notification.job} (attempt ${notification.attempt}): ${notification.message}\n\n${JSON.stringify(notification, null, 2)}\n`,
      });
    },
  };
}

/** `smtp://user:secret@host` → `smtp://user:***@host`, for messages. */
export function maskSmtpUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
