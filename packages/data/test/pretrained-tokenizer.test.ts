import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, PreTrainedTokenizer, Tokenizer } from '../src/index.js';

// Fixtures: test/fixtures/*/tokenizer.json, written by make_fixtures.py. The expected ids below are
// worked out by hand from each algorithm's rules; the comments show the steps.
const fixture = (name: string) => (file: string) =>
  readFile(new URL(`./fixtures/${name}/${file}`, import.meta.url), 'utf8').catch(() => null);
const load = (name: string) => AutoTokenizer.fromPretrained(fixture(name));

describe('GPT-2 byte-level BPE', () => {
  // Byte ids follow GPT-2's order: '!'..'~' are 0..93 (id = byte - 33), then ¡..¬ 94..105, ®..ÿ 106..187,
  // then the other bytes: 0..32 at 188..220 (space 220, newline 198), 127..160 at 221..254, 173 at 255.
  // Merges, rank = id - 256: Ġt he Ġthe in Ġa re on er ll He Hell Hello Ġw or Ġwor Ġworl Ġworld Ã© 's ĠĠ ng ing.
  it('encodes by the lowest-ranked merge first', async () => {
    const tok = await load('gpt2-tiny');
    // "Hello": H e l l o -> (l,l) rank 8 -> (H,e) 9 -> (He,ll) 10 -> (Hell,o) 11. " world" -> Ġw, or, Ġwor, Ġworl, Ġworld.
    expect(tok.encode('Hello world')).toEqual([267, 272]);
    // " the": (Ġ,t) rank 0 before (h,e) 1, then (Ġt,he) 2. "the" alone: t he (no merge makes "the").
    expect(tok.encode(' the')).toEqual([258]);
    expect(tok.encode('the')).toEqual([83, 257]);
    // "sing": (i,n) rank 3 beats (n,g) 20, so i+n first, then (in,g) 21: s ing.
    expect(tok.encode('sing')).toEqual([82, 277]);
  });

  it('splits spaces, newlines, contractions, digits and bytes as GPT-2 does', async () => {
    const tok = await load('gpt2-tiny');
    // "  spaces": \s+(?!\S) takes the first space alone, the second joins the word: Ġ | Ġ s p a c e s.
    expect(tok.encode('  spaces')).toEqual([220, 220, 82, 79, 64, 66, 68, 82]);
    // é is C3 A9 -> 'Ã' '©', merged (rank 17) after (l,l) (rank 8): h Ã© ll o.
    expect(tok.encode('héllo')).toEqual([71, 273, 264, 78]);
    // "it's": "it" then the contraction "'s" (merge rank 18).
    expect(tok.encode("it's")).toEqual([72, 83, 274]);
    // 😀 = F0 9F 98 80: F0 -> 106 + (240 - 174) = 172; 9F -> 221 + (159 - 127) = 253; 98 -> 246; 80 -> 222.
    expect(tok.encode('😀')).toEqual([172, 253, 246, 222]);
    // "\n\n" splits into two newlines before "world"; without a leading space "world" is w or l d.
    expect(tok.encode('Hello\n\nworld')).toEqual([267, 198, 198, 86, 269, 75, 67]);
    expect(tok.encode('2024')).toEqual([17, 15, 17, 19]);
    for (const text of ['Hello world', '  spaces', 'héllo', "it's", '😀', 'Hello\n\nworld']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('recognises <|endoftext|> and reads the roles from tokenizer_config.json', async () => {
    const tok = await load('gpt2-tiny');
    expect(tok.encode('Hello<|endoftext|>')).toEqual([267, 278]);
    expect(tok.decode([267, 278])).toBe('Hello<|endoftext|>');
    expect(tok.decode([267, 278], { skipSpecialTokens: true })).toBe('Hello');
    expect([tok.vocabSize, tok.eosTokenId, tok.bosTokenId, tok.padTokenId]).toEqual([279, 278, 278, undefined]);
    expect(tok.encodeBatch(['Hello', ' the'])).toEqual([[267], [258]]);
  });
});

describe('Llama SentencePiece BPE with byte fallback', () => {
  // <unk> 0, <s> 1, </s> 2, <0xXX> = 3 + byte; ▁ 259 t 260 h 261 e 262 l 263 o 264 w 265 r 266 d 267 H 268;
  // merges from 269: ▁t he ▁the ll ▁H ell ▁Hell ▁Hello ▁w or ▁wor ▁worl ▁world ▁▁.
  it('prepends ▁, turns spaces into ▁, merges across the whole text and adds <s>', async () => {
    const tok = await load('llama-tiny');
    // "▁Hello▁world": (l,l) first, then (▁,H), (e,ll), (▁H,ell), (▁Hell,o), then the world merges.
    expect(tok.encode('Hello world')).toEqual([1, 276, 281]);
    expect(tok.encode('the', { addSpecialTokens: false })).toEqual([271]);
    // "▁a▁▁b": a and b are not in the vocabulary and fall back to <0x61> and <0x62>; (▁,▁) merges.
    expect(tok.encode('a  b')).toEqual([1, 259, 100, 282, 101]);
    // é is not in the vocabulary: its bytes C3 A9 become <0xC3> (198) and <0xA9> (172).
    expect(tok.encode('héllo')).toEqual([1, 259, 261, 198, 172, 272, 264]);
    // 😀 = F0 9F 98 80 -> 243 162 155 131.
    expect(tok.encode('😀')).toEqual([1, 259, 243, 162, 155, 131]);
    expect(tok.encode('Hello</s>', { addSpecialTokens: false })).toEqual([276, 2]);
  });

  it('decodes byte pieces back to characters and strips the prepended space', async () => {
    const tok = await load('llama-tiny');
    for (const text of ['Hello world', 'héllo', 'a  b', '😀']) {
      expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
    expect(tok.decode([1, 276, 281])).toBe('<s> Hello world');
    expect([tok.vocabSize, tok.bosTokenId, tok.eosTokenId, tok.unkTokenId, tok.padTokenId]).toEqual([283, 1, 2, 0, undefined]);
  });
});

describe('BERT WordPiece', () => {
  // [PAD] 0 [UNK] 1 [CLS] 2 [SEP] 3 [MASK] 4 the 5 quick 6 brown 7 fox 8 jump 9 ##s 10 ##ed 11 over 12 lazy 13
  // dog 14 . 15 , 16 ! 17 un 18 ##aff 19 ##able 20 hello 21 world 22 cafe 23 ' 24 s 25 ... 中 30 文 31 ##ing 32 run 33 ##n 34
  it('lowercases, splits punctuation, takes the longest prefix, and wraps in [CLS] [SEP]', async () => {
    const tok = await load('bert-tiny');
    // "jumps" -> jump ##s.
    expect(tok.encode('The quick brown fox jumps over the lazy dog.')).toEqual([2, 5, 6, 7, 8, 9, 10, 12, 5, 13, 14, 15, 3]);
    // Accents are stripped when lowercasing (strip_accents null): Héllo -> hello; unaffable -> un ##aff ##able.
    expect(tok.encode('Héllo, WORLD! unaffable')).toEqual([2, 21, 16, 22, 17, 18, 19, 20, 3]);
    // "xyz" has no prefix in the vocabulary: the whole word is [UNK].
    expect(tok.encode('Café xyz')).toEqual([2, 23, 1, 3]);
    // CJK characters become words of their own; "ok" is unknown.
    expect(tok.encode('中文ok')).toEqual([2, 30, 31, 1, 3]);
    // running -> run ##n ##ing (longest match at each step).
    expect(tok.encode('running', { addSpecialTokens: false })).toEqual([33, 34, 32]);
    // The apostrophe is punctuation: it | ' | s, and "it" is unknown.
    expect(tok.encode("it's", { addSpecialTokens: false })).toEqual([1, 24, 25]);
    // clean_text drops NUL, so "hello\0world" is one word "helloworld": hello + "##world" fails -> [UNK];
    // the tab is whitespace.
    expect(tok.encode('hello\u0000world\tdog', { addSpecialTokens: false })).toEqual([1, 14]);
  });

  it('decodes ## pieces back into words and knows its pad token', async () => {
    const tok = await load('bert-tiny');
    expect(tok.decode([2, 21, 16, 22, 17, 18, 19, 20, 3], { skipSpecialTokens: true })).toBe('hello, world! unaffable');
    expect(tok.decode([2, 21, 3])).toBe('[CLS] hello [SEP]');
    expect([tok.padTokenId, tok.vocabSize]).toEqual([0, 35]);
  });
});

describe('loading', () => {
  it('reads tokenizer.json alone, as a string or object, and reports what is wrong', async () => {
    const json = await readFile(new URL('./fixtures/bert-tiny/tokenizer.json', import.meta.url), 'utf8');
    const tok = Tokenizer.fromJSON(json);
    expect(tok).toBeInstanceOf(PreTrainedTokenizer);
    expect(tok.encode('hello')).toEqual([2, 21, 3]);
    // Without tokenizer_config.json the pad id comes from tokenizer.json's padding section, if any.
    expect(tok.padTokenId).toBeUndefined();
    expect(Tokenizer.fromJSON({ ...JSON.parse(json), padding: { pad_id: 0, pad_token: '[PAD]' } }).padTokenId).toBe(0);
    await expect(AutoTokenizer.fromPretrained(async () => null)).rejects.toThrow(
      'AutoTokenizer.fromPretrained: the source has no tokenizer.json',
    );
    await expect(AutoTokenizer.fromPretrained(async () => '{oops')).rejects.toThrow('Tokenizer: tokenizer.json is not valid JSON');
    expect(() => Tokenizer.fromJSON({ version: '1.0' })).toThrow(
      'Tokenizer.fromJSON: tokenizerJson is not a tokenizer.json (it has no "model" object)',
    );
    expect(() => tok.decode([35])).toThrow('Tokenizer.decode: ids[0] = 35 is not an id of this tokenizer (0..34)');
  });
});
