import { releaseBufferMemory } from './release-buffer-memory';

describe('releaseBufferMemory', () => {
  it('takes the memory from a Buffer that is the whole of it: the Buffer reads as empty afterwards', () => {
    const body = Buffer.allocUnsafe(64 * 1024).fill(7);
    releaseBufferMemory(body);
    expect(body.buffer.byteLength).toBe(0);
    expect(body.length).toBe(0);
    expect(body[0]).toBeUndefined();
  });

  it('leaves a view into a larger Buffer alone, and the Buffer it views', () => {
    const whole = Buffer.alloc(64 * 1024, 1);
    const view = whole.subarray(1024, 40 * 1024);
    releaseBufferMemory(view);
    expect(view.length).toBe(39 * 1024);
    expect(whole.length).toBe(64 * 1024);
    expect(whole[100]).toBe(1);
  });

  it("leaves a small Buffer alone: it may share Node's pool with others", () => {
    const small = Buffer.from('{"events":[]}');
    const neighbour = Buffer.from('neighbour');
    releaseBufferMemory(small);
    expect(small.toString()).toBe('{"events":[]}');
    expect(neighbour.toString()).toBe('neighbour');
  });

  it('takes the memory from a typed array that is the whole of it', () => {
    const slots = new Int32Array(16 * 1024).fill(-1);
    releaseBufferMemory(slots);
    expect(slots.buffer.byteLength).toBe(0);
    expect(slots.length).toBe(0);
  });
});
