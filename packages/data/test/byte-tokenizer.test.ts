import { Tokenizer as HFTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { ByteTokenizer, Tokenizer, bytesToUnicode } from '../src/index.js';

describe('ByteTokenizer', () => {
  it('maps text to its UTF-8 bytes, special tokens after 255', () => {
    const tok = new ByteTokenizer();
    expect(tok.vocabSize).toBe(257);
    expect(tok.eosTokenId).toBe(256);
    expect(tok.bosTokenId).toBe(256);
    expect(tok.padTokenId).toBeUndefined();
    // 'é' is C3 A9, '€' is E2 82 AC, '😀' is F0 9F 98 80 in UTF-8.
    expect(tok.encode('Aé €😀')).toEqual([0x41, 0xc3, 0xa9, 0x20, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
    expect(tok.encode('')).toEqual([]);
    expect(tok.encode('a<|endoftext|>b')).toEqual([97, 256, 98]);
    expect(tok.encode('a<|endoftext|>b', { addSpecialTokens: false })).toEqual([97, 256, 98]);
  });

  it('round-trips text and decodes invalid UTF-8 to replacement characters', () => {
    const tok = new ByteTokenizer();
    const text = 'Call me Ishmael.\n\tSome years ago—never mind how long 😀<|endoftext|>';
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe(text.replace('<|endoftext|>', ''));
    // A lone continuation byte, a truncated 2-byte sequence before an ASCII byte, and a truncated 4-byte end.
    expect(tok.decode([0x80, 0x41, 0xc3, 0x42, 0xf0, 0x9f])).toBe('\uFFFDA\uFFFDB\uFFFD');
    // A multi-byte character split by a special token is not glued back together across it.
    expect(tok.decode([0xc3, 256, 0xa9])).toBe('\uFFFD<|endoftext|>\uFFFD');
    expect(tok.decode(Int32Array.from([104, 105]))).toBe('hi');
  });

  it('takes its own special tokens and roles', () => {
    const tok = new ByteTokenizer({
      specialTokens: ['<pad>', '<s>', '</s>', '<s>x'],
      bosToken: '<s>',
      eosToken: '</s>',
      padToken: '<pad>',
    });
    expect([tok.padTokenId, tok.bosTokenId, tok.eosTokenId, tok.vocabSize]).toEqual([256, 257, 258, 260]);
    // The longest special token wins where two start at the same place.
    expect(tok.encode('<s>x<s>')).toEqual([259, 257]);
    const eosOnly = new ByteTokenizer({ specialTokens: ['</s>'], eosToken: '</s>', bosToken: null });
    expect([eosOnly.eosTokenId, eosOnly.bosTokenId, eosOnly.vocabSize]).toEqual([256, undefined, 257]);
    expect(eosOnly.encode('<|endoftext|>').length).toBe(13);
  });

  it('rejects bad input with the function and the value', () => {
    const tok = new ByteTokenizer();
    expect(() => tok.decode([257])).toThrow('ByteTokenizer.decode: ids[0] = 257 is not an id of this tokenizer (0..256)');
    expect(() => tok.decode([1.5])).toThrow('ids[0] = 1.5');
    expect(() => tok.encode(3 as unknown as string)).toThrow('ByteTokenizer.encode: text must be a string, got number');
    expect(() => new ByteTokenizer({ padToken: '<pad>' })).toThrow(
      'ByteTokenizer: padToken "<pad>" is not one of specialTokens ["<|endoftext|>"]',
    );
    expect(() => new ByteTokenizer({ specialTokens: ['a', 'a'] })).toThrow('listed twice');
    expect(() => new ByteTokenizer({ specialTokens: [] })).toThrow(
      'ByteTokenizer: eosToken "<|endoftext|>" is not one of specialTokens []',
    );
  });

  it('uses GPT-2 byte-to-character table (space is Ġ, newline Ċ, printable bytes themselves)', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect([table[32], table[10], table[0], table[127], table[173], table[65], table[0xe9]]).toEqual(['Ġ', 'Ċ', 'Ā', 'ġ', 'Ń', 'A', 'é']);
  });

  it('saves as a tokenizer.json that the Hugging Face tokenizers library reads to the same ids', () => {
    const tok = new ByteTokenizer({ specialTokens: ['<|endoftext|>', '<pad>'], padToken: '<pad>' });
    const json = JSON.parse(JSON.stringify(tok.toJSON()));
    const config = JSON.parse(JSON.stringify(tok.tokenizerConfig()));
    // the Hugging Face library itself, not this package's wrapper of it
    const hf = new HFTokenizer(json, config);
    const texts = ['héllo  wörld 😀\n\t', 'x<|endoftext|>y<pad>', '  leading and trailing  ', 'ĠĊ are characters too'];
    for (const text of texts) {
      expect(hf.encode(text).ids).toEqual(tok.encode(text));
      expect(hf.decode(tok.encode(text))).toBe(text);
    }
    expect(hf.encode('Aé').ids).toEqual([0x41, 0xc3, 0xa9]);
    expect(hf.decode([0xff, 0x41, 0xc3])).toBe(tok.decode([0xff, 0x41, 0xc3]));
    expect(hf.decode([256, 257], { skip_special_tokens: true })).toBe('');
    // the wrapper reads the special-token roles the same way
    const wrapped = Tokenizer.fromJSON(json, config);
    expect([wrapped.vocabSize, wrapped.padTokenId, wrapped.eosTokenId, wrapped.bosTokenId]).toEqual([258, 257, 256, 256]);

    const back = ByteTokenizer.fromJSON(json, config);
    expect(back.specialTokens).toEqual(['<|endoftext|>', '<pad>']);
    expect([back.padTokenId, back.eosTokenId, back.bosTokenId]).toEqual([257, 256, 256]);
    expect(ByteTokenizer.fromJSON(json).padTokenId).toBe(257);
    expect(() => ByteTokenizer.fromJSON({ model: { type: 'WordPiece' } })).toThrow('ByteTokenizer.fromJSON: not a byte tokenizer');
  });
});
