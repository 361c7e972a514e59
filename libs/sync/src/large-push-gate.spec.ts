import { LargePushGate } from './large-push-gate';

/** A piece of work that starts when the gate runs it and ends when the spec says. */
interface HeldWork {
  started: boolean;
  work: () => Promise<string>;
  finish(): void;
  fail(error: Error): void;
}

function heldWork(answer: string): HeldWork {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const held: HeldWork = {
    started: false,
    work: () => {
      held.started = true;
      return new Promise<string>((resolve, reject) => {
        finish = () => resolve(answer);
        fail = reject;
      });
    },
    finish: () => finish(),
    fail: (error) => fail(error),
  };
  return held;
}

/** Lets the gate's promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LargePushGate', () => {
  const large = Buffer.alloc(1024);
  const small = Buffer.alloc(1023);
  let gate: LargePushGate;

  beforeEach(() => {
    gate = new LargePushGate(2, 1024);
  });

  it('runs at most `capacity` large pushes at once and the others in arrival order as turns free up', async () => {
    const pushes = ['a', 'b', 'c', 'd'].map(heldWork);
    const answers = pushes.map((push) => gate.run(large, push.work));
    await settle();
    expect(pushes.map((push) => push.started)).toEqual([true, true, false, false]);
    expect(gate.waiting).toBe(2);

    pushes[1].finish();
    await expect(answers[1]).resolves.toBe('b');
    await settle();
    expect(pushes.map((push) => push.started)).toEqual([true, true, true, false]);
    expect(gate.waiting).toBe(1);

    pushes[0].finish();
    await settle();
    expect(pushes[3].started).toBe(true);
    expect(gate.waiting).toBe(0);
    pushes[2].finish();
    pushes[3].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs a small push at once, however many large ones wait', async () => {
    const [first, second, third] = ['a', 'b', 'c'].map(heldWork);
    void gate.run(large, first.work);
    void gate.run(large, second.work);
    void gate.run(large, third.work);
    const quick = heldWork('small');
    const answer = gate.run(small, quick.work);
    expect(quick.started).toBe(true);
    expect(gate.waiting).toBe(1);
    quick.finish();
    await expect(answer).resolves.toBe('small');
    expect(third.started).toBe(false);
  });

  it('takes only a Buffer body of `minBytes` or more as large: anything else runs at once', () => {
    for (const body of [undefined, 'x'.repeat(4096), { events: [] }]) {
      const full = new LargePushGate(1, 1024);
      void full.run(large, heldWork('held').work);
      const other = heldWork('other');
      void full.run(body, other.work);
      expect(other.started).toBe(true);
    }
  });

  it('passes the turn on when a push fails, and hands the failure to its caller', async () => {
    const [failing, other, waiting] = ['a', 'b', 'c'].map(heldWork);
    const failed = gate.run(large, failing.work);
    void gate.run(large, other.work);
    const last = gate.run(large, waiting.work);
    await settle();
    expect(waiting.started).toBe(false);

    failing.fail(new Error('refused'));
    await expect(failed).rejects.toThrow('refused');
    await settle();
    expect(waiting.started).toBe(true);
    waiting.finish();
    await expect(last).resolves.toBe('c');
  });

  it('passes the turn straight to the next in line: a push arriving as a turn frees up waits behind it', async () => {
    const gateOfOne = new LargePushGate(1, 1024);
    const [first, second, late] = ['a', 'b', 'c'].map(heldWork);
    const firstAnswer = gateOfOne.run(large, first.work);
    void gateOfOne.run(large, second.work);
    await settle();

    first.finish();
    await firstAnswer;
    // The turn is the second push's from here on, though its work starts a tick later.
    void gateOfOne.run(large, late.work);
    await settle();
    expect({ second: second.started, late: late.started, waiting: gateOfOne.waiting }).toEqual({ second: true, late: false, waiting: 1 });
  });

  it('frees every turn once all pushes are answered', async () => {
    const pushes = ['a', 'b', 'c'].map(heldWork);
    const answers = pushes.map((push) => gate.run(large, push.work));
    await settle();
    for (const push of pushes) {
      push.finish();
      await settle();
    }
    await Promise.all(answers);
    const [next, after] = ['d', 'e'].map(heldWork);
    void gate.run(large, next.work);
    void gate.run(large, after.work);
    expect([next.started, after.started, gate.waiting]).toEqual([true, true, 0]);
  });

  it('refuses a capacity that would never let a large push through', () => {
    expect(() => new LargePushGate(0, 1024)).toThrow(RangeError);
    expect(() => new LargePushGate(1.5, 1024)).toThrow(RangeError);
  });
});
