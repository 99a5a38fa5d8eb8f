import { goldenCases } from './golden.js';

goldenCases(/lora|lora_[a-z0-9_]+/);
