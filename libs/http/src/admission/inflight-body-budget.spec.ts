import { InflightBodyBudget } from './inflight-body-budget';

describe('InflightBodyBudget', () => {
  it('admits bodies while they fit and refuses the one that does not', () => {
    const budget = new InflightBodyBudget(100);
    const first = budget.tryHold(60);
    expect(first).toBeDefined();
    expect(budget.tryHold(41)).toBeUndefined();
    const second = budget.tryHold(40);
    expect(second).toBeDefined();
    expect(budget.bytesInFlight).toBe(100);
    expect(budget.tryHold(1)).toBeUndefined();
  });

  it('gives bytes back once, however often release is called', () => {
    const budget = new InflightBodyBudget(100);
    const release = budget.tryHold(70)!;
    const other = budget.tryHold(30)!;
    release();
    release();
    expect(budget.bytesInFlight).toBe(30);
    expect(budget.tryHold(70)).toBeDefined();
    other();
    expect(budget.bytesInFlight).toBe(70);
  });

  it('admits a body of exactly the whole budget when nothing else is held', () => {
    const budget = new InflightBodyBudget(100);
    expect(budget.tryHold(100)).toBeDefined();
  });

  it('refuses a budget that could admit nothing', () => {
    expect(() => new InflightBodyBudget(0)).toThrow(RangeError);
  });
});
