import { goldenCases } from './golden.js';

goldenCases(/adalora/);
