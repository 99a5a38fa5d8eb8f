/** Real corpora from npm packages, with fixed splits. Node only: the data is read from disk. */
export { loadSpamAssassin, subjectAndBody, type SpamAssassinExample } from './spam-assassin.js';
export { loadSotu, loadSotuAddresses, type SotuAddress } from './sotu.js';
export { loadMobyDick } from './moby-dick.js';
export { splitOf, splitByKey, splitContiguous, fnv1a32, type Splits, type SplitName } from './splits.js';
