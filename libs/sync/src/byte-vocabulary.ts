/**
 * A small set of ASCII words, matched against the content of a JSON string
 * token in a byte buffer without decoding it: a push names an action and an
 * entity type per event, and matching them in place hands back the one
 * interned string instead of building two strings per event.
 */
export class ByteVocabulary {
  private readonly words: readonly string[];
  private readonly bytes: readonly Uint8Array[];

  constructor(words: Iterable<string>) {
    this.words = [...words];
    this.bytes = this.words.map((word) => Uint8Array.from(word, (c) => c.charCodeAt(0)));
  }

  /** The word spelled, unescaped, between b[start] and b[end] (exclusive); undefined for none. */
  match(b: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    for (let w = 0; w < this.bytes.length; w++) {
      const word = this.bytes[w];
      if (word.length !== length) continue;
      let k = 0;
      while (k < length && b[start + k] === word[k]) k++;
      if (k === length) return this.words[w];
    }
    return undefined;
  }
}
