import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { dispose, memory, setBackend } from '@peftjs/core';
import { loadSafetensorsFile } from '@peftjs/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { qr, svd } from '../../src/linalg/index.js';
import { findGoldenDir } from '../merging/golden-dir.js';

const golden = await findGoldenDir();
const MODULES = ['q_proj', 'v_proj', 'up_proj'];

/**
 * PyTorch's own QR and SVD of TinyNet's base weights, as PEFT's OLoRA and PiSSA initialisations stored
 * them (r = α = 4, so scaling 1): OLoRA B = Q[:, :r], A = R[:r]; PiSSA A = diag(√S_r) Vh_r, B = U_r diag(√S_r).
 */
describe('linalg against PyTorch (OLoRA and PiSSA initialisations)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  const load = async (kase: string) => {
    const dir = join(golden, 'peft', kase);
    return {
      base: await loadSafetensorsFile(join(dir, 'base_model.safetensors')),
      init: await loadSafetensorsFile(join(dir, 'init_adapter.safetensors')),
    };
  };
  const pieces = (init: Map<string, import('@peftjs/core').Tensor>, m: string) => [
    init.get(`base_model.model.${m}.lora_A.weight`)!,
    init.get(`base_model.model.${m}.lora_B.weight`)!,
  ];

  it('qr reproduces torch.linalg.qr, signs included (OLoRA)', async () => {
    const { base, init } = await load('lora_olora');
    const before = memory().numTensors;
    for (const m of MODULES) {
      const w = base.get(`${m}.weight`)!;
      const [A, B] = pieces(init, m);
      const r = A.shape[0];
      const { Q, R } = await qr(w);
      const [q, rr, a, b] = [await Q.data(), await R.data(), await A.data(), await B.data()];
      const [rows, cols] = w.shape;
      const k = Math.min(rows, cols);
      let worst = 0;
      for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) worst = Math.max(worst, Math.abs(q[i * k + j] - b[i * r + j]));
      for (let i = 0; i < r * cols; i++) worst = Math.max(worst, Math.abs(rr[i] - a[i]));
      console.log(`OLoRA ${m}: max |ours - torch| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
      dispose([Q, R]);
    }
    expect(memory().numTensors).toBe(before);
    dispose([...base.values(), ...init.values()]);
  });

  it('svd reproduces torch.linalg.svd up to the sign of each singular pair (PiSSA)', async () => {
    const { base, init } = await load('lora_pissa');
    for (const m of MODULES) {
      const w = base.get(`${m}.weight`)!;
      const [A, B] = pieces(init, m);
      const r = A.shape[0];
      const [rows, cols] = w.shape;
      const { U, S, Vh } = await svd(w, { fullMatrices: false });
      const [u, s, vh, a, b] = [await U.data(), await S.data(), await Vh.data(), await A.data(), await B.data()];
      const k = Math.min(rows, cols);
      let worst = 0;
      for (let j = 0; j < r; j++) {
        const root = Math.sqrt(s[j]);
        // choose the sign from the largest entry of the row of A, then the same sign must fit B's column
        let at = 0;
        for (let c = 0; c < cols; c++) if (Math.abs(a[j * cols + c]) > Math.abs(a[j * cols + at])) at = c;
        const sign = Math.sign(a[j * cols + at] * vh[j * cols + at]);
        for (let c = 0; c < cols; c++) worst = Math.max(worst, Math.abs(sign * root * vh[j * cols + c] - a[j * cols + c]));
        for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(sign * root * u[i * k + j] - b[i * r + j]));
      }
      console.log(`PiSSA ${m}: max |ours - torch| up to sign ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
      dispose([U, S, Vh]);
    }
    dispose([...base.values(), ...init.values()]);
  });
});
