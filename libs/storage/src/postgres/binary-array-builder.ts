/** pg_type OIDs of the element types a BinaryArrayBuilder writes. */
const TEXT_OID = 25;
const INT8_OID = 20;

/** ndim, has-null flag, element OID, then one dimension's length and lower bound: five int32s. */
const HEADER_BYTES = 20;

/** A UTF-16 code unit never takes more than three bytes in UTF-8 (a surrogate pair, two units, takes four). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

const TWO_TO_32 = 2 ** 32;

/**
 * A one-dimensional PostgreSQL array without NULLs in the binary format that
 * array_recv reads (src/backend/utils/adt/arrayfuncs.c): ndim, a has-null
 * flag, the element type's OID, the length and lower bound (1) of the
 * dimension, then each element as an int32 byte length and its bytes. Handed
 * to node-postgres as a Buffer, it is sent as a binary parameter, so neither
 * side builds or parses an array literal: no escaping of quotes and
 * backslashes in JS (node-postgres' escapeElement, a regex replace and a new
 * string per element) and no array_in in the server.
 *
 * Texts are written straight from the JS string into the buffer as UTF-8;
 * the statement must give the parameter its array type (`$1::text[]`) so the
 * server reads it with the matching element type. A text element goes through
 * text_recv, which checks its UTF-8 like any other client text (NUL and
 * invalid sequences are refused; the push edge refuses both earlier).
 */
export class BinaryArrayBuilder {
  private buffer: Buffer;
  private offset = HEADER_BYTES;
  private count = 0;

  private constructor(
    private readonly elementOid: number,
    capacity: number,
  ) {
    this.buffer = Buffer.allocUnsafe(HEADER_BYTES + capacity);
  }

  /** An array of text; `expectedBytes` sizes the buffer (the sum of the texts' lengths will do: it grows when short). */
  static text(expectedBytes: number): BinaryArrayBuilder {
    return new BinaryArrayBuilder(TEXT_OID, expectedBytes);
  }

  /** An array of `count` int8 (bigint) elements. */
  static int8(count: number): BinaryArrayBuilder {
    return new BinaryArrayBuilder(INT8_OID, count * 12);
  }

  /**
   * One array of the elements of `arrays` (each made by finish(), all of one
   * element type), in order: their element bytes copied after one header.
   */
  static concat(arrays: readonly Buffer[]): Buffer {
    let bytes = HEADER_BYTES;
    let count = 0;
    let elementOid = TEXT_OID;
    for (const array of arrays) {
      elementOid = array.readInt32BE(8);
      if (array.readInt32BE(0) === 0) continue; // empty: a header without a dimension
      count += array.readInt32BE(12);
      bytes += array.length - HEADER_BYTES;
    }
    const joined = new BinaryArrayBuilder(elementOid, bytes - HEADER_BYTES);
    for (const array of arrays) {
      if (array.readInt32BE(0) === 0) continue;
      joined.offset += array.copy(joined.buffer, joined.offset, HEADER_BYTES);
    }
    joined.count = count;
    return joined.finish();
  }

  /** The number of elements added so far. */
  get length(): number {
    return this.count;
  }

  addText(value: string): void {
    // Room for the worst case spares measuring the string before writing it;
    // only a text too long for what is left is measured exactly.
    if (this.buffer.length - this.offset - 4 < value.length * MAX_UTF8_BYTES_PER_UNIT) this.ensure(4 + Buffer.byteLength(value, 'utf8'));
    const written = this.buffer.write(value, this.offset + 4, 'utf8');
    this.buffer.writeInt32BE(written, this.offset);
    this.offset += 4 + written;
    this.count++;
  }

  /**
   * A text given as its UTF-8 bytes (a push payload as the request spelled
   * it), copied as they are: no string is made of them. PostgreSQL checks
   * them on receipt, as it does every text.
   */
  addTextBytes(bytes: Buffer): void {
    this.ensure(4 + bytes.length);
    this.buffer.writeInt32BE(bytes.length, this.offset);
    this.offset += 4 + bytes.copy(this.buffer, this.offset + 4);
    this.count++;
  }

  /** An int64: a number must be a safe integer, a bigint within int64. */
  addInt8(value: number | bigint): void {
    this.ensure(12);
    this.buffer.writeInt32BE(8, this.offset);
    if (typeof value === 'bigint') {
      this.buffer.writeBigInt64BE(value, this.offset + 4);
    } else {
      // Two's complement in two halves, without allocating a bigint: the high
      // half is floor(value / 2^32) (negative for a negative value), the low
      // half what remains, in [0, 2^32).
      const high = Math.floor(value / TWO_TO_32);
      this.buffer.writeInt32BE(high, this.offset + 4);
      this.buffer.writeUInt32BE(value - high * TWO_TO_32, this.offset + 8);
    }
    this.offset += 12;
    this.count++;
  }

  /** The array's bytes (a view of the builder's buffer: add nothing after this). */
  finish(): Buffer {
    const b = this.buffer;
    if (this.count === 0) {
      // An empty array has no dimensions.
      b.writeInt32BE(0, 0);
      b.writeInt32BE(0, 4);
      b.writeInt32BE(this.elementOid, 8);
      return b.subarray(0, 12);
    }
    b.writeInt32BE(1, 0);
    b.writeInt32BE(0, 4);
    b.writeInt32BE(this.elementOid, 8);
    b.writeInt32BE(this.count, 12);
    b.writeInt32BE(1, 16);
    return b.subarray(0, this.offset);
  }

  /** At least `bytes` free after the offset; grows by doubling, so a column of many texts is copied O(log n) times. */
  private ensure(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}
