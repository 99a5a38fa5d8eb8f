/**
 * GPT-2's reversible map from bytes to printable characters, which byte-level BPE vocabularies are
 * written in: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves, and the
 * other 68 bytes (controls, space, DEL, NBSP, soft hyphen) take the characters from U+0100 on, in
 * byte order. So the space is 'Ġ' (U+0120) and the newline is 'Ċ' (U+010A).
 */
export function bytesToUnicode(): string[] {
  const chars: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return chars;
}
