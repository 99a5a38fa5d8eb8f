import { goldenCases } from './golden.js';

goldenCases(/prompt_tuning|prefix_tuning|prefix_tuning_projection|p_tuning|adaption_prompt/);
